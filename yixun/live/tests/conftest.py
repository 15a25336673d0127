from yixun.live.tests.push import push_process, server

__all__ = ["push_process", "server"]
