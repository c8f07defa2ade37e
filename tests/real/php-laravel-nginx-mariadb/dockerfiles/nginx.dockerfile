# nginx for the Laravel app: the stock image with its workers run as the
# `laravel` user (the host's uid, so the bind-mounted source is readable),
# and the site's config, which hands PHP requests to php-fpm.
FROM nginx:stable-alpine

ARG UID
ARG GID

ENV UID=${UID}
ENV GID=${GID}

# Alpine's dialout group has gid 20, macOS's staff group: free it.
RUN delgroup dialout

RUN addgroup -g ${GID} --system laravel
RUN adduser -G laravel --system -D -s /bin/sh -u ${UID} laravel
RUN sed -i "s/user  nginx/user laravel/g" /etc/nginx/nginx.conf

ADD ./nginx/default.conf /etc/nginx/conf.d/

RUN mkdir -p /var/www/html
