"""moto's SSM loads without moto's EC2 (its catalogues cost ~100 MB); EC2 still works when used.

Each check runs in a fresh interpreter: this test session may have imported moto's EC2 already.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_the_ssm_service_and_backend_do_not_import_ec2() -> None:
    out = _run(
        """
        import sys
        import stratus.local.ssm.service
        from moto.backends import get_backend
        ssm = get_backend("ssm")["000000000000"]["us-east-1"]
        ssm.put_parameter(name="/p", description="", value="v", parameter_type="String",
                          allowed_pattern=None, keyid=None, overwrite=False, tags=[],
                          data_type="text", tier=None, policies=None)
        print(ssm.get_parameter("/p").value, sorted(m for m in sys.modules if "ec2" in m))
        """
    )
    assert out == "v []"


def test_ssm_reaches_the_real_ec2_backends_when_it_needs_them() -> None:
    out = _run(
        """
        import sys
        import stratus.local.ssm.service
        import moto.ssm.models
        backend = moto.ssm.models.ec2_backends["000000000000"]["us-east-1"]
        import moto.ec2
        print(type(backend).__name__, backend is moto.ec2.ec2_backends["000000000000"]["us-east-1"],
              type(sys.modules["moto.ec2"]).__name__, hasattr(moto.ec2, "models"))
        """
    )
    assert out == "EC2Backend True module True"


def test_ec2_imported_first_is_used_as_it_is() -> None:
    out = _run(
        """
        import moto.ec2
        import stratus.local.ssm.service
        import moto.ssm.models
        print(moto.ssm.models.ec2_backends is moto.ec2.ec2_backends)
        """
    )
    assert out == "True"


def test_a_moto_whose_ssm_needs_more_of_ec2_is_imported_as_it_is() -> None:
    out = _run(
        """
        import builtins, sys
        real_import = builtins.__import__
        def needs_ec2_models(name, globals=None, locals=None, fromlist=(), level=0):
            if name == "moto.ec2" and fromlist and "ec2_backends" in fromlist:
                ec2 = sys.modules.get("moto.ec2")
                if ec2 is not None and not hasattr(ec2, "__path__"):  # the stand-in
                    raise ImportError("moto.ec2.models is needed at import time")
            return real_import(name, globals, locals, fromlist, level)
        builtins.__import__ = needs_ec2_models
        import stratus.local.ssm.service
        import moto.ssm.models, moto.ec2
        print(moto.ssm.models.ec2_backends is moto.ec2.ec2_backends)
        """
    )
    assert out == "True"
