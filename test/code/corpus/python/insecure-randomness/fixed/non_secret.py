import random

COLORS = ["red", "green", "blue"]


def backoff(attempt):
    delay = random.uniform(0.5, 1.5) * 2**attempt
    return delay


def pick(items):
    color = random.choice(COLORS)
    sample = random.sample(items, 3)
    return color, sample
