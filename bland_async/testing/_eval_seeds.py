"""`FakeBland`'s Evals helpers: seed agents, setups, user templates and runs; drive runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _eval_runs, _eval_templates
from ._eval_agents import EVAL_AGENTS
from ._eval_lifecycle import TERMINAL_STATUSES, advance_run
from ._state import seeding
from ._workbench import SETUPS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ._state import FakeState

__all__ = ["EvalSeeds"]


class EvalSeeds:
    """Mixed into `FakeBland`: Evals seeding and run control (see each method)."""

    _state: FakeState

    @property
    def hold_runs(self) -> bool:
        """When True, polling a run no longer advances it (test a client's wait timeout).

        `advance_runs` and `complete_run` still move held runs.
        """
        return self._state.hold_runs

    @hold_runs.setter
    def hold_runs(self, value: bool) -> None:
        self._state.hold_runs = value

    def seed_eval_agent(
        self,
        name: str = "Test Agent",
        *,
        description: str | None = None,
        template_key: str | None = None,
        user_template_id: str | None = None,
        modality: str | None = None,
        metadata: Mapping[str, str] | None = None,
        publish: bool = False,
        **version_fields: Any,
    ) -> dict[str, Any]:
        """Create an eval agent directly, as `POST /v1/evals/agents` would.

        Args:
            name: the agent's (and its first draft's) name; its key is the slug.
            description: the agent's (and its first draft's) description.
            template_key: seed the draft from this shipped template.
            user_template_id: seed the draft from this user template (wins).
            modality: `text` or `audio` (default: the template's, else text).
            metadata: the agent's metadata (string values).
            publish: publish the draft afterwards (then `agent.active_version_id`
                is the published version and `current_version` the new draft).
            **version_fields: fields for the draft, as PATCH
                `.../versions/{version_id}` takes them (`levels`,
                `target_level_keys`, `prompt_md`, `weight`, ...).

        Returns:
            `{"agent": ..., "current_version": ...}` as `GET` answers it.

        Raises:
            ValueError: a field breaks the API's validation, a template does not
                exist, or `publish=True` and the draft cannot be published.
        """
        body: dict[str, Any] = {
            "name": name,
            "description": description,
            "template_key": template_key,
            "user_template_id": user_template_id,
        }
        if modality is not None:
            body["modality"] = modality
        return EVAL_AGENTS.seed(
            self._state, body, metadata=metadata, version_fields=version_fields, publish=publish
        )

    def seed_workbench_setup(
        self,
        name: str = "Test Setup",
        *,
        description: str | None = None,
        metadata: Mapping[str, str] | None = None,
        publish: bool = False,
        **version_fields: Any,
    ) -> dict[str, Any]:
        """Create a workbench setup directly, as `POST /v1/evals/workbench-setups` would.

        It seeds as `seed_eval_agent` does: all or nothing, the metadata on the
        setup, the version fields on its first draft, then maybe a publish.

        Args:
            name: the setup's (and its first draft's) name.
            description: the setup's (and its first draft's) description.
            metadata: the setup's metadata (string values).
            publish: publish the draft afterwards (then `setup.active_version_id`
                is the published version and `current_version` the new draft).
            **version_fields: the draft's roster and settings (`attached_agents`,
                `pass_threshold_pct`, `run_mode`, `default_call_ids`, ...).

        Returns:
            `{"setup": ..., "current_version": ...}` as `GET` answers it.

        Raises:
            ValueError: a field breaks the API's validation, or `publish=True`
                and the draft does not meet the publish preconditions.
        """
        body = {"name": name, "description": description}
        return SETUPS.seed(
            self._state, body, metadata=metadata, version_fields=version_fields, publish=publish
        )

    def seed_user_template(self, name: str = "Test Template", **fields: Any) -> dict[str, Any]:
        """Create a user template directly, as `POST /v1/evals/user-templates` would.

        Args:
            name: the template's name (its key is the snake_case slug).
            **fields: any other create-body field (`modality`, `levels`,
                `target_level_keys`, `prompt_md`, `visibility`, `from_agent_id`, ...).

        Returns:
            The UserTemplate JSON.

        Raises:
            ValueError: a field breaks the API's validation.
        """
        with seeding(self._state):
            return _eval_templates.create_user_template(self._state, {"name": name, **fields})

    def seed_run(
        self,
        call_ids: Iterable[str] = ("call-1",),
        *,
        complete: bool = False,
        **fields: Any,
    ) -> dict[str, Any]:
        """Create an eval run directly, as `POST /v1/evals/runs` would.

        Args:
            call_ids: the calls to evaluate (prefixes steer the verdicts:
                `fail_`, `insufficient_`, `top_`, `bottom_`, `slow_`).
            complete: drive the run to its terminal status before returning.
            **fields: any other create-body field (`attached_agents`,
                `workbench_setup_id`, `workbench_setup_version_id`, `run_mode`,
                `pass_threshold_pct`, `triggered_by`, `metadata`).

        Returns:
            The EvalRun JSON (PENDING, or terminal with `complete=True`).

        Raises:
            ValueError: the body breaks the API's validation or names unknown
                agents, versions or setups.
        """
        state = self._state
        with seeding(state):
            run_id = _eval_runs.create_run(state, {"call_ids": list(call_ids), **fields})
            if complete:
                self._drive_to_end(run_id)
            return _eval_runs.run_json(state, run_id)

    def advance_runs(self, steps: int = 1) -> None:
        """Move every unfinished run up to `steps` steps (PENDING → QUEUED → RUNNING → end).

        Runs with a `slow_` call stop at RUNNING; `hold_runs` does not matter here.

        Raises:
            ValueError: `steps` is negative.
        """
        if steps < 0:
            raise ValueError("steps must be >= 0")
        for run in list(self._state.eval_runs.values()):
            for _ in range(steps):
                if not advance_run(self._state, run):
                    break

    def complete_run(self, run_id: str) -> dict[str, Any]:
        """Drive one run to its terminal status now (slow or held runs too).

        A run that has finished already is returned unchanged.

        Returns:
            The terminal EvalRun JSON.

        Raises:
            ValueError: there is no run `run_id` (`EVAL_RUN_NOT_FOUND`).
        """
        with seeding(self._state):
            self._drive_to_end(run_id)
            return _eval_runs.run_json(self._state, run_id)

    def _drive_to_end(self, run_id: str) -> None:
        run = _eval_runs.find_run(self._state, run_id)
        while run["status"] not in TERMINAL_STATUSES:
            advance_run(self._state, run, force=True)
