<?php
/*
 * The plugin runs on Jeedom 4.4 (Debian 11, PHP 7.4) as well as 4.5 (PHP 8.2), and only PHP 8.2 can be installed
 * here: this check reads every plugin file with PHP's tokenizer and fails on syntax or functions that PHP 7.4 does
 * not have (match, ?->, attributes, enums, readonly, named arguments, catch without a variable, PHP 8 string and
 * array functions). Usage: php tests/php/php74_compat.php <dir>...
 */
$php8Tokens = array();
foreach (array('T_MATCH', 'T_NULLSAFE_OBJECT_OPERATOR', 'T_ATTRIBUTE', 'T_ENUM', 'T_READONLY') as $name) {
    if (defined($name)) {
        $php8Tokens[constant($name)] = $name;
    }
}
$php8Functions = array('str_contains', 'str_starts_with', 'str_ends_with', 'get_debug_type', 'fdiv',
    'array_is_list', 'get_resource_id', 'preg_last_error_msg', 'enum_exists');

function jcSignificant(array $tokens, $i, $step) {
    for ($j = $i + $step; $j >= 0 && $j < count($tokens); $j += $step) {
        if (!is_array($tokens[$j]) || !in_array($tokens[$j][0], array(T_WHITESPACE, T_COMMENT, T_DOC_COMMENT), true)) {
            return $tokens[$j];
        }
    }
    return null;
}

function jcText($t) {
    return is_array($t) ? $t[1] : $t;
}

$problems = array();
$files = 0;
foreach (array_slice($argv, 1) as $dir) {
    $it = new RecursiveIteratorIterator(new RecursiveDirectoryIterator($dir, FilesystemIterator::SKIP_DOTS));
    foreach ($it as $file) {
        if (substr($file->getFilename(), -4) !== '.php') {
            continue;
        }
        $files++;
        $tokens = token_get_all(file_get_contents($file->getPathname()));
        foreach ($tokens as $i => $t) {
            if (!is_array($t)) {
                continue;
            }
            $where = $file->getPathname() . ':' . $t[2];
            if (isset($php8Tokens[$t[0]])) {
                $problems[] = "$where: " . $php8Tokens[$t[0]] . " is PHP 8 syntax";
                continue;
            }
            if ($t[0] === T_STRING) {
                $prev = jcSignificant($tokens, $i, -1);
                $next = jcSignificant($tokens, $i, 1);
                $isCall = jcText($next) === '(';
                $afterMember = is_array($prev) && in_array($prev[0], array(T_OBJECT_OPERATOR, T_DOUBLE_COLON, T_FUNCTION), true);
                if ($isCall && !$afterMember && in_array(strtolower($t[1]), $php8Functions, true)) {
                    $problems[] = "$where: {$t[1]}() does not exist in PHP 7.4";
                }
                if (jcText($next) === ':' && in_array(jcText($prev), array('(', ','), true)) {
                    $problems[] = "$where: named argument '{$t[1]}:' is PHP 8 syntax";
                }
            }
            if ($t[0] === T_CATCH) {
                $depth = 0;
                for ($j = $i + 1; $j < count($tokens); $j++) {
                    $s = jcText($tokens[$j]);
                    if ($s === '(') {
                        $depth++;
                    } elseif ($s === ')') {
                        $problems[] = "$where: catch without a variable is PHP 8 syntax";
                        break;
                    } elseif (is_array($tokens[$j]) && $tokens[$j][0] === T_VARIABLE) {
                        break;
                    }
                }
            }
        }
    }
}
foreach ($problems as $p) {
    fwrite(STDERR, $p . "\n");
}
echo "PHP 7.4 compatibility: $files files, " . count($problems) . " problem(s)\n";
exit(count($problems) === 0 && $files > 0 ? 0 : 1);
