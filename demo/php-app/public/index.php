<?php
// Front controller: the one script both servers run (php -S routes every
// request here; php-fpm gets it as SCRIPT_FILENAME). Routes REQUEST_URI's
// path to App\Endpoints and answers JSON.

declare(strict_types=1);

require __DIR__ . '/../src/bootstrap.php';

use App\Config;
use App\Endpoints;

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) ?: '/';
[$status, $payload] = (new Endpoints(Config::fromEnvironment()))->handle($path, $_GET);
http_response_code($status);
header('Content-Type: application/json');
echo json_encode($payload, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
