"""The task backend of the test suite.

Like Django's ImmediateBackend it runs a task the moment it is queued, but a
task that fails makes the test fail (the immediate backend only marks it
failed), and a task queued to run later (`run_after`) is kept in `deferred`,
where a test can see it and run it when its time comes.
"""

from typing import Any, ClassVar

from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import Task, TaskContext, TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id


class TaskFailed(AssertionError):
    pass


class InstantTaskBackend(ImmediateBackend):
    supports_defer = True
    deferred: ClassVar[list[TaskResult[Any]]] = []

    def enqueue(self, task: Task[Any, Any], args: Any, kwargs: Any) -> TaskResult[Any]:
        if task.run_after is None:
            result = super().enqueue(task, args, kwargs)
            if result.status == TaskResultStatus.FAILED:
                raise TaskFailed(f"{task.module_path} failed:\n{result.errors[-1].traceback}")
            return result
        self.validate_task(task)
        result = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        self.deferred.append(result)
        return result

    @classmethod
    def run_deferred(cls, until: Any) -> list[Any]:
        """Run, in order, the deferred tasks due by `until`; return their return values."""
        due = sorted(
            (r for r in cls.deferred if r.task.run_after and r.task.run_after <= until),
            key=lambda r: r.task.run_after or until,
        )
        for result in due:
            cls.deferred.remove(result)
        return [
            result.task.call(TaskContext(task_result=result), *result.args, **result.kwargs)
            if result.task.takes_context
            else result.task.call(*result.args, **result.kwargs)
            for result in due
        ]
