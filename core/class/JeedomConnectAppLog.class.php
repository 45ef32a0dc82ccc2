<?php
/*
 * JeedomConnect - the app's own lines in the plugin's log (docs/api-methods.md, "App log"): SET_LOG writes what
 * the app reports (its errors, its debug traces) into the JeedomConnect log, at the level it names.
 */
class JeedomConnectAppLog {
    /** SET_LOG {level? (trace|debug|info|warning|error, default debug), text} -> null */
    public static function write(JeedomConnectApi $_api) {
        $level = $_api->param('level', 'debug');
        if ($level === null) {
            $level = 'debug';
        }
        if (!in_array($level, array('trace', 'debug', 'info', 'warning', 'error'), true)) {
            throw new Exception('level: trace, debug, info, warning or error expected');
        }
        $text = $_api->param('text', '');
        if ($text === null) {
            $text = '';
        }
        if (!is_scalar($text)) {
            throw new Exception('text: a text is expected');
        }
        // one log line per call: the app's line breaks would let it forge other lines
        $text = str_replace(array("\r", "\n"), ' ', (string) $text);
        if ($level === 'trace') {
            // as upstream: trace lines only with the plugin's traceLog option, as debug lines
            if (config::byKey('traceLog', 'JeedomConnect', 0)) {
                log::add('JeedomConnect', 'debug', '[TRACE] ' . $text);
            }
            return null;
        }
        log::add('JeedomConnect', $level, $text);
        return null;
    }
}
