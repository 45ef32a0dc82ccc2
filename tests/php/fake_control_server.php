<?php
/*
 * Test helper: a stand-in for the daemon's control socket on 127.0.0.1:<port>. Records every received line in
 * <record file>; answers request types from <replies.json> ({"EVENTS_SINCE": {...}, "STATUS": {...}}) and
 * {"ok":true} to messages with "ack":true. Stops on SIGTERM or after 120 s.
 */
$port = (int) $argv[1];
$record = $argv[2];
$replies = json_decode((string) @file_get_contents($argv[3]), true) ?: array();
$server = stream_socket_server('tcp://127.0.0.1:' . $port, $errno, $errstr);
if (!$server) {
    fwrite(STDERR, "listen failed: $errstr\n");
    exit(1);
}
$end = time() + 120;
while (time() < $end) {
    $c = @stream_socket_accept($server, 1);
    if (!$c) {
        continue;
    }
    stream_set_timeout($c, 2);
    $line = fgets($c);
    if ($line === false) {
        fclose($c);
        continue;
    }
    file_put_contents($record, rtrim($line, "\n") . "\n", FILE_APPEND | LOCK_EX);
    $msg = json_decode($line, true);
    if (is_array($msg) && isset($msg['type']) && isset($replies[$msg['type']])) {
        fwrite($c, json_encode($replies[$msg['type']]) . "\n");
    } elseif (is_array($msg) && !empty($msg['ack'])) {
        fwrite($c, json_encode(array('ok' => true)) . "\n");
    }
    fclose($c);
}
