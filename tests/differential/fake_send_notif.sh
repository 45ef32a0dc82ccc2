#!/bin/sh
# Stand-in for Jeedom Connect's sender program (resources/sendNotif/<tag>_<asset>) in the differential tests: appends
# its arguments (one JSON list per call) to capture.jsonl beside itself and answers like the push service's batch.
dir=$(dirname "$0")
php -r 'echo json_encode(array_slice($argv, 1)), "\n";' -- "$@" >> "$dir/capture.jsonl"
echo 'response: {"SuccessCount":1,"FailureCount":0,"Responses":[{"Success":true,"MessageID":"projects/x/messages/1"}]}'
