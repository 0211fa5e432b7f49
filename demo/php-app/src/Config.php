<?php
// Where the demo's I/O goes. scripts/demo-app passes these through the
// environment (php -S inherits it; php-fpm's pool has clear_env = no), so the
// app runs unchanged under both servers; the defaults match demo-app's.

declare(strict_types=1);

namespace App;

final class Config
{
    public function __construct(
        public readonly string $dataDir,
        public readonly string $backendUrl,
        public readonly string $unixSocket,
    ) {}

    public static function fromEnvironment(): self
    {
        $run = sys_get_temp_dir() . '/sonde-demo-app';
        return new self(
            self::env('SONDE_DEMO_DATA', "$run/data"),
            self::env('SONDE_DEMO_BACKEND', 'http://127.0.0.1:47181'),
            self::env('SONDE_DEMO_UNIX', "$run/unix.sock"),
        );
    }

    private static function env(string $name, string $default): string
    {
        $value = getenv($name);
        return $value === false || $value === '' ? $default : $value;
    }
}
