<?php
// Disk I/O through SQLite (PDO): each visit is inserted, then the latest few
// are read back. SQLite's own reads and writes (pread64/pwrite64 on the db
// file and its journal) land inside these methods.

declare(strict_types=1);

namespace App;

final class Database
{
    private const KEEP_ROWS = 100;   // bounds the file under long loads
    private \PDO $pdo;

    public function __construct(string $file)
    {
        $this->pdo = new \PDO("sqlite:$file", null, null, [\PDO::ATTR_ERRMODE => \PDO::ERRMODE_EXCEPTION]);
        $this->pdo->exec('CREATE TABLE IF NOT EXISTS visits (id INTEGER PRIMARY KEY, path TEXT, at REAL)');
    }

    public function recordVisit(string $path): int
    {
        $insert = $this->pdo->prepare('INSERT INTO visits (path, at) VALUES (?, ?)');
        $insert->execute([$path, microtime(true)]);
        $id = (int)$this->pdo->lastInsertId();
        $this->pdo->exec('DELETE FROM visits WHERE id <= ' . ($id - self::KEEP_ROWS));
        return $id;
    }

    public function recentVisits(int $limit): array
    {
        $select = $this->pdo->prepare('SELECT id, path FROM visits ORDER BY id DESC LIMIT ?');
        $select->execute([$limit]);
        return $select->fetchAll(\PDO::FETCH_ASSOC);
    }
}
