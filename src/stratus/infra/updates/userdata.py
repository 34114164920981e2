"""The instances' user data: install the update server and start it (on AWS and locally).

On AWS (Amazon Linux 2023, whose python3 runs the server with nothing to install) the
script downloads the application (the `stratus.updates` package, shipped as an S3 asset),
publishes the sample release into /var/lib/stratus-updates/site (generated there: the
bytes are deterministic, so every instance of the group holds byte-identical files with
the same ETag and Last-Modified, and no data set is uploaded anywhere), and runs the
server as a systemd service under its own user on port 8080. The last line is the local
cloud's stand-in (`stratus.local.autoscaling.userdata`): the same server started as a local
process on the instance's loopback address, the release in the group's local data folder.
"""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3_assets as s3_assets

PORT = 8080
HOME = "/opt/stratus-updates"
SITE = "/var/lib/stratus-updates/site"
LOCAL_COMMAND = (
    "# stratus:local-command python -m stratus.updates.server --host $STRATUS_INSTANCE_IP"
    f" --port {PORT} --root $STRATUS_INSTANCE_DATA/site --publish-sample"
)

UNIT = f"""[Unit]
Description=stratus update server
After=network-online.target

[Service]
User=updates
Environment=PYTHONPATH={HOME}
ExecStart=/usr/bin/python3 -m stratus.updates.server --root {SITE} --port {PORT}
Restart=always

[Install]
WantedBy=multi-user.target
"""


def user_data(app: s3_assets.Asset) -> ec2.UserData:
    data = ec2.UserData.for_linux()
    archive = data.add_s3_download_command(
        bucket=app.bucket, bucket_key=app.s3_object_key, local_file="/tmp/stratus-updates.zip"
    )
    data.add_commands(
        "set -euo pipefail",
        "dnf install -y unzip",
        f"mkdir -p {HOME} {SITE}",
        f"unzip -o {archive} -d {HOME}",
        "id updates || useradd --system --no-create-home updates",
        f"chown -R updates {SITE}",
        f"sudo -u updates PYTHONPATH={HOME} python3 -m stratus.updates.publish --root {SITE}",
        f"cat > /etc/systemd/system/stratus-updates.service <<'UNIT'\n{UNIT}UNIT",
        "systemctl daemon-reload",
        "systemctl enable --now stratus-updates",
        LOCAL_COMMAND,
    )
    return data
