"""ACM as an emulated service: certificates issued by the local CA for the names asked.

Modules: `issue` (the certificate and its files), `providers`
(AWS::CertificateManager::Certificate, DNS validation records), `service` (the ACM API's
answers made consistent with the real local certificate).
"""
