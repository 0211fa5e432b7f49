<?php
// The demo app's unix socket peer: a clock service. Each connection sends one
// line ("time\n") and gets one JSON line back ({"unix_time": ..., "served_by": pid}).
//
// Usage: php backend/unix_server.php SOCKET_PATH
// Runs until SIGTERM or SIGINT, then removes its socket file.

function serve(string $path): void
{
    @unlink($path);   // a stale file from a killed run would make bind fail
    $server = @stream_socket_server("unix://$path", $errno, $error);
    if ($server === false) {
        fwrite(STDERR, "unix_server: cannot listen on $path: $error\n");
        exit(1);
    }
    register_shutdown_function(fn() => @unlink($path));
    pcntl_async_signals(true);
    pcntl_signal(SIGTERM, fn() => exit(0));
    pcntl_signal(SIGINT, fn() => exit(0));
    while (true) {
        $conn = @stream_socket_accept($server, -1);
        if ($conn !== false) answer($conn);
    }
}

function answer($conn): void
{
    stream_set_timeout($conn, 3);
    $request = trim((string)fgets($conn));
    $reply = $request === 'time'
        ? ['unix_time' => microtime(true), 'served_by' => getmypid()]
        : ['error' => "unknown request '$request'"];
    fwrite($conn, json_encode($reply) . "\n");
    fclose($conn);
}

if ($argc !== 2) {
    fwrite(STDERR, "usage: php unix_server.php SOCKET_PATH\n");
    exit(2);
}
serve($argv[1]);
