<?php

// Laravel's front controller, reduced: the real one boots bootstrap/app.php.
echo json_encode(['app' => getenv('APP_NAME') ?: 'laravel']);
