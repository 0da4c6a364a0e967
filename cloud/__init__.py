"""Cloud leg (Ray Serve). Empty until the cloud leg lands; the gateway reaches it over HTTP."""
