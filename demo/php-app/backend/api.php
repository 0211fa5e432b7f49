<?php
// The backend the demo app fetches from over TCP: a router script for
// `php -S 127.0.0.1:PORT backend/api.php`. It serves one small JSON document
// (GET /quote) from memory, so the front's network I/O is the only I/O it causes.

const QUOTES = [
    'Measure, don\'t guess.',
    'The slowest syscall is the one you did not know about.',
    'Every request tells a story; tracing reads it.',
];

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
header('Content-Type: application/json');
if ($path !== '/quote') {
    http_response_code(404);
    echo json_encode(['error' => "no such document $path"]), "\n";
    return;
}
echo json_encode(['quote' => QUOTES[random_int(0, count(QUOTES) - 1)], 'served_by' => getmypid()]), "\n";
