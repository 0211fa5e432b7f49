<?php
// Network I/O over TCP: an HTTP GET to the backend (a second PHP server,
// backend/api.php) with PHP's http:// stream wrapper: socket, connect,
// sendto for the request, recvfrom for the reply.

declare(strict_types=1);

namespace App;

final class BackendClient
{
    public function __construct(private string $baseUrl) {}

    public function fetchQuote(): array
    {
        return $this->getJson('/quote');
    }

    private function getJson(string $path): array
    {
        $context = stream_context_create(['http' => ['timeout' => 3, 'ignore_errors' => true]]);
        $body = @file_get_contents($this->baseUrl . $path, false, $context);
        if ($body === false) {
            throw new \RuntimeException("backend {$this->baseUrl} did not answer (is scripts/demo-app running?)");
        }
        $data = json_decode($body, true);
        if (!is_array($data)) throw new \RuntimeException("backend sent no JSON for $path");
        return $data;
    }
}
