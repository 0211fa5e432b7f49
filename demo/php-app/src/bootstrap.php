<?php
// Loads the App\ classes from src/ (App\Storage -> src/Storage.php). The demo
// has no Composer: a ten-line autoloader keeps it a directory you can read.

declare(strict_types=1);

spl_autoload_register(function (string $class): void {
    $prefix = 'App\\';
    if (!str_starts_with($class, $prefix)) return;
    $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    if (is_file($file)) require $file;
});
