"""Route 53 as an emulated service: hosted zones and record sets in moto, answered by a
local DNS server (UDP and TCP) on its own port.

Modules: `providers` (AWS::Route53::HostedZone, RecordSet, RecordSetGroup), `zones` (the
zones' records as the DNS server answers them), `dns_server` (the wire protocol, with
dnspython), `service`.
"""
