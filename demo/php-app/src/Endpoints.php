<?php
// The demo's endpoints, one method each, and the table that routes a path to
// them. Each returns the data it answers with; public/index.php turns that
// into JSON. What I/O each one makes is listed in demo/README.md.

declare(strict_types=1);

namespace App;

final class Endpoints
{
    public const ROUTES = [
        '/' => 'home',
        '/files' => 'files',
        '/fetch' => 'fetch',
        '/db' => 'db',
        '/unix' => 'unix',
        '/compute' => 'compute',
    ];
    private const NOTE_BYTES = 2048;
    private const HOME_FIB_N = 12;

    public function __construct(private Config $config) {}

    public function handle(string $path, array $query): array
    {
        $method = self::ROUTES[$path] ?? null;
        if ($method === null) {
            return [404, ['error' => "no endpoint $path", 'endpoints' => array_keys(self::ROUTES)]];
        }
        try {
            return [200, $this->$method($query)];
        } catch (\Throwable $e) {
            return [502, ['error' => $e->getMessage()]];
        }
    }

    // A mix of everything, the way a real page touches several back ends.
    public function home(array $query): array
    {
        return [
            'files' => $this->files($query),
            'quote' => $this->fetch($query),
            'db' => $this->db($query),
            'clock' => $this->unix($query),
            'fib' => Compute::fibonacci(self::HOME_FIB_N),
        ];
    }

    public function files(array $query): array
    {
        $storage = new Storage($this->config->dataDir);
        $name = Storage::slotName(random_int(0, PHP_INT_MAX));
        $written = $storage->save($name, self::noteText());
        $read = strlen($storage->load($name));
        return ['note' => $name, 'written' => $written, 'read' => $read, 'files' => $storage->listing()];
    }

    public function fetch(array $query): array
    {
        return (new BackendClient($this->config->backendUrl))->fetchQuote();
    }

    public function db(array $query): array
    {
        $database = new Database($this->config->dataDir . '/demo.sqlite');
        $id = $database->recordVisit('/db');
        return ['visit' => $id, 'recent' => $database->recentVisits(5)];
    }

    public function unix(array $query): array
    {
        return (new UnixClient($this->config->unixSocket))->askTime();
    }

    public function compute(array $query): array
    {
        $n = (int)($query['n'] ?? 20);
        return ['n' => min(max($n, 0), Compute::MAX_N), 'fib' => Compute::fibonacci($n)];
    }

    private static function noteText(): string
    {
        $line = 'sonde demo note, written at ' . date('c') . "\n";
        return substr(str_repeat($line, intdiv(self::NOTE_BYTES, strlen($line)) + 1), 0, self::NOTE_BYTES);
    }
}
