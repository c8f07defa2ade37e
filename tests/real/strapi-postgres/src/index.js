'use strict';

// Strapi's lifecycle hooks: nothing to register or bootstrap yet.
module.exports = {
  register() {},
  bootstrap() {},
};
