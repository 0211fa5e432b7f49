<?php
// Disk I/O: notes written to and read back from files in the data directory.
// Note names cycle through a few slots so the directory stays small however
// long a load runs.

declare(strict_types=1);

namespace App;

final class Storage
{
    private const SLOTS = 4;

    public function __construct(private string $dir)
    {
        if (!is_dir($dir) && !@mkdir($dir, 0755, true) && !is_dir($dir)) {
            throw new \RuntimeException("cannot create $dir");
        }
    }

    // openat + write + close.
    public function save(string $name, string $text): int
    {
        $bytes = file_put_contents($this->path($name), $text);
        if ($bytes === false) throw new \RuntimeException("cannot write $name");
        return $bytes;
    }

    // openat + read + close.
    public function load(string $name): string
    {
        $text = file_get_contents($this->path($name));
        if ($text === false) throw new \RuntimeException("cannot read $name");
        return $text;
    }

    // getdents64 for the listing, one stat per file for its size.
    public function listing(): array
    {
        $sizes = [];
        foreach (scandir($this->dir) as $entry) {
            $path = $this->path($entry);
            if (is_file($path)) $sizes[$entry] = filesize($path);
        }
        return $sizes;
    }

    public static function slotName(int $counter): string
    {
        return 'note-' . ($counter % self::SLOTS) . '.txt';
    }

    private function path(string $name): string
    {
        return $this->dir . '/' . basename($name);
    }
}
