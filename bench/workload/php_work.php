<?php
// Issue 6 workload: many PHP function calls, then file and socket I/O made
// inside PHP functions. Each phase is timed with hrtime() around its loop
// only (PHP start-up and the tracer's attach do not count) and the result
// goes to OUT as JSON, not stdout (stdout may be the tracer's).
// usage: php php_work.php CALLS IO_ITERATIONS OUT
if ($argc != 4) {
    fwrite(STDERR, "usage: php php_work.php CALLS IO_ITERATIONS OUT\n");
    exit(64);
}
[$calls, $iterations, $out] = [(int)$argv[1], (int)$argv[2], $argv[3]];

function add(int $a, int $b): int {
    return $a + $b;
}

// One write to a file, one send and one receive on a socket pair: three
// syscalls inside one PHP call (plain-file and socket streams are unbuffered).
function io_step($file, $tx, $rx, string $payload): int {
    fwrite($file, $payload);
    fwrite($tx, $payload);
    return strlen(fread($rx, 8192));
}

$start = hrtime(true);
$sum = 0;
for ($i = 0; $i < $calls; $i++) {
    $sum = add($sum, $i);
}
$call_ns = hrtime(true) - $start;

$path = tempnam(sys_get_temp_dir(), 'sonde-bench-');
$file = fopen($path, 'w');
[$tx, $rx] = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
$payload = str_repeat('x', 64);
$start = hrtime(true);
for ($i = 0; $i < $iterations; $i++) {
    io_step($file, $tx, $rx, $payload);
}
$io_ns = hrtime(true) - $start;
fclose($file);
unlink($path);

file_put_contents($out, json_encode(['calls' => $calls, 'call_ns' => $call_ns,
    'io_iterations' => $iterations, 'io_ns' => $io_ns, 'sum' => $sum]) . "\n");
