"""The commands that show what the classifiers and the policy make of prompts, with no
inference: `classify`, `explain` and `eval`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from gateway.cli.command import existing
from gateway.cli.settings import ConfigError, Settings
from gateway.policy.loader import PolicyError


def _classifiers(policy: Path) -> Any:
    from gateway.classify.options import ClassifierConfigError
    from gateway.classify.registry import Classifiers
    from gateway.policy.loader import load_classifier_options

    try:
        options = load_classifier_options(policy)
    except ClassifierConfigError as exc:  # a bad --policy: a message, not a traceback
        raise PolicyError(str(exc).splitlines()) from exc
    return Classifiers(options)


def _classify(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.classify.extract import Segment

    prompts = _prompts(args)
    classifiers = _classifiers(args.policy or settings.policy.file)
    for prompt in prompts:
        signals = classifiers.classify_segments([Segment("user", prompt)]).as_json()
        if args.json:
            print(json.dumps(signals))
        else:
            sensitivity, complexity = signals["sensitivity"], signals["complexity"]
            entities = ", ".join(f"{k}={v}" for k, v in sensitivity["entities"].items())
            print(
                f"sensitivity={sensitivity['level']} ({sensitivity['score']:.2f})"
                f" entities=[{entities}]  complexity={complexity['label']}"
                f" ({complexity['score']:.2f})"
            )
    return 0


def _prompts(args: argparse.Namespace) -> list[str]:
    if args.file is not None:
        text = existing(args.file).read_text(encoding="utf-8")
        return [line for line in text.splitlines() if line]
    if args.prompt is None:
        raise ConfigError("give a PROMPT or --file F")
    return [args.prompt]


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.classify.evaluate import DEFAULT_SETS, run_evaluation

    policy = args.policy or settings.policy.file
    sets = args.set or list(DEFAULT_SETS)
    print(run_evaluation(_classifiers(policy), sets, args.split))
    return 0


def _explain(args: argparse.Namespace, settings: Settings) -> int:
    import uuid

    from gateway.classify.extract import Segment
    from gateway.classify.registry import Classifiers
    from gateway.policy.engine import RequestFacts, evaluate
    from gateway.policy.loader import load_policy

    policy, revision = load_policy(args.policy or settings.policy.file)
    classifiers = Classifiers(policy.classifiers)
    for prompt in _prompts(args):
        signals = classifiers.classify_segments([Segment("user", prompt)])
        facts = RequestFacts(model=args.model, prompt_tokens=len(prompt) // 4)
        decision = evaluate(
            policy, revision, signals, None, facts, f"dec-{uuid.uuid4().hex}"
        ).as_json()
        if args.json:
            print(json.dumps(decision))
        else:
            print(
                f"route={decision['route']} rule={decision['rule']} "
                f"sensitivity={decision['sensitivity']['level']} "
                f"complexity={decision['complexity']['label']}"
            )
            for step in decision["trace"]:
                print(f"  {step}")
    return 0


def add_prompt_commands(commands: Any) -> None:
    classify = commands.add_parser("classify", help="print the signals of a prompt")
    _prompt_options(classify)
    classify.set_defaults(func=_classify)

    explain = commands.add_parser("explain", help="print the routing decision; no inference")
    _prompt_options(explain)
    explain.add_argument("--model", choices=["auto", "edge", "cloud"], default="auto")
    explain.set_defaults(func=_explain)


def add_eval_command(commands: Any) -> None:
    evaluate = commands.add_parser("eval", help="score the classifiers on a labelled set")
    evaluate.add_argument(
        "--set", type=Path, action="append", help="a labelled JSONL file (repeatable)"
    )
    evaluate.add_argument(
        "--split",
        choices=["both", "dev", "heldout", "all"],
        default="both",
        help="both (default): dev and held-out, each on its own; all: pooled",
    )
    evaluate.add_argument("--policy", type=Path, help="policy file (default: policy.file)")
    evaluate.set_defaults(func=_eval)


def _prompt_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("prompt", nargs="?", help="the prompt")
    parser.add_argument("--file", type=Path, help="one prompt per line")
    parser.add_argument("--json", action="store_true", help="JSON lines")
    parser.add_argument("--policy", type=Path, help="policy file (default: policy.file)")
