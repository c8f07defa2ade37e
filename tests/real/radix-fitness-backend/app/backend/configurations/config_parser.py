"""defaults.ini, where an environment variable named like an option wins."""
from configparser import RawConfigParser
from os import getenv
from os.path import dirname, join


class EnvFirstConfig(RawConfigParser):
    def __init__(self):
        super().__init__()
        self.read(join(dirname(__file__), "defaults.ini"))

    def get(self, section, option, **kwargs):
        return getenv(option) or super().get(section, option, **kwargs)


configs = EnvFirstConfig()
