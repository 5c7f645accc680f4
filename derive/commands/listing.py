"""`derive list`: the ids of the catalogue with their titles."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ids", action="store_true", help="print only the ids, one per line")


def run(args: argparse.Namespace) -> int:
    import derive
    from derive.catalog import TOPICS, topic_of

    if args.ids:
        print("\n".join(derive.names()))
        return 0
    current = None
    for name in derive.names():
        topic = topic_of(name)
        if topic != current:
            if current is not None:
                print()
            print(TOPICS.get(topic, topic))
            current = topic
        print(f"  {name:34s} {derive.get(name).title}")
    return 0
