"""What `vidpipe provision` prints and writes: one environment for every worker on a host."""

from vidpipe_aws import ProvisionedStack
from vidpipe_aws.settings import AwsSettings
from vidpipe_cli.host_env import provisioned_env
from vidpipe_cli.local_env import read_local_env, write_local_env
from vidpipe_types import StackNames, Worker


def _stack() -> ProvisionedStack:
    return ProvisionedStack(
        names=StackNames(prefix="demo"),
        queue_urls={Worker.VIDEO: "http://127.0.0.1:4566/queue/us-east-1/000000000000/demo-video"},
    )


def test_local_endpoint_gets_credentials_health_port_and_service_endpoints():
    env = provisioned_env(
        _stack(),
        endpoint_url="http://127.0.0.1:4566",
        region="eu-west-1",
        environ={
            "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:5000",
            "AWS_SECRET_ACCESS_KEY": "x",
        },
    )
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"] != "x"
    assert env["HEALTH_PORT"] == "0"
    assert env["AWS_REGION"] == "eu-west-1"
    assert env["VIDEO_QUEUE_URL"].endswith("demo-video")
    settings = AwsSettings.model_validate(env)
    assert settings.endpoint_for("dynamodb") == "http://127.0.0.1:5000"
    assert settings.endpoint_for("s3") == "http://127.0.0.1:4566"


def test_real_aws_gets_no_credentials_and_the_default_health_port():
    env = provisioned_env(_stack(), endpoint_url=None, region="us-east-1", environ={})
    assert "AWS_ACCESS_KEY_ID" not in env and "HEALTH_PORT" not in env
    assert env["VIDPIPE_STACK_PREFIX"] == "demo"


def test_provision_env_file_outlives_the_command(tmp_path):
    path = tmp_path / "stack.env"
    write_local_env(path, {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}, persistent=True)
    assert read_local_env(path) == {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}
