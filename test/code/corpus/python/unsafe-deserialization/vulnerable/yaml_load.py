import yaml


def load_config(path):
    with open(path) as fh:
        return yaml.load(fh)  # expect: python/unsafe-deserialization


def load_more(text):
    return yaml.load(text, Loader=yaml.Loader)  # expect: python/unsafe-deserialization


def load_unsafe(text):
    return yaml.unsafe_load(text)  # expect: python/unsafe-deserialization
