"""The only code that calls out (HOUSE_STYLE.md): drift against, publishing to and testing live LiteLLM gateways
(PRODUCT.md 3.4).

- client: the HTTP calls to one registered gateway (httpx, explicit timeouts, a response size limit); every
  failure becomes a GatewayError with what went wrong, never an exception that reaches a door as a 5xx;
- drift: the comparison of what a gateway reports with what this configuration makes its series report (pure);
- checks: drift, publish and test fallback for a registered gateway, composed from the two and from queries.
"""
