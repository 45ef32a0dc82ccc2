<?php
/* Fake Jeedom core: session check (the fake is always logged in as admin unless JEEDOM_FAKE_NOT_CONNECTED=1). */
