"""Pure cores of API Gateway's non-proxy integrations (REST APIs, v1).

One job per module, no I/O, nothing here knows the HTTP server:

- ``vtl`` — the Velocity engine (airspeed-ext) with Java's semantics;
- ``jsonpath`` — the JSONPath subset API Gateway evaluates;
- ``template`` — ``$input``, ``$util``, ``$context``, ``$stageVariables`` and ``render``;
- ``selection`` — request/response template choice and passthrough behaviour (415);
- ``parameters`` — integration request parameter mapping;
- ``responses`` — integration response selection and response parameter mapping;
- ``validation`` — request validators, required parameters and JSON-schema models.
"""
