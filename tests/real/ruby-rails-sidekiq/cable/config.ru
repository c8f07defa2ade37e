# The Action Cable server, on its own port.
require_relative "../config/environment"
Rails.application.eager_load!

run ActionCable.server
