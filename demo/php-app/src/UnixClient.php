<?php
// Network I/O over a unix domain socket: one request line to the backend's
// clock service (backend/unix_server.php), one JSON line back.

declare(strict_types=1);

namespace App;

final class UnixClient
{
    public function __construct(private string $socketPath) {}

    public function askTime(): array
    {
        $conn = @stream_socket_client("unix://{$this->socketPath}", $errno, $error, 3);
        if ($conn === false) {
            throw new \RuntimeException("unix socket {$this->socketPath}: $error (is scripts/demo-app running?)");
        }
        stream_set_timeout($conn, 3);
        fwrite($conn, "time\n");
        $line = fgets($conn);
        fclose($conn);
        $data = $line === false ? null : json_decode($line, true);
        if (!is_array($data)) throw new \RuntimeException('unix socket: no JSON reply');
        return $data;
    }
}
