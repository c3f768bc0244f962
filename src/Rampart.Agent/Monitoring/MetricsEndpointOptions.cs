using System.Net;

namespace Rampart.Agent.Monitoring;

/// <summary>
/// Where the Prometheus endpoint listens: <c>RAMPART_METRICS=127.0.0.1:9477</c> (or <c>[::1]:9477</c>); unset means
/// no endpoint. Loopback only: the numbers describe who talks securely with whom, so they are not served to the network.
/// </summary>
public sealed record MetricsEndpointOptions(IPEndPoint? Endpoint)
{
    public const string Variable = "RAMPART_METRICS";

    public static MetricsEndpointOptions FromEnvironment() => Parse(Environment.GetEnvironmentVariable(Variable));

    public static MetricsEndpointOptions Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new MetricsEndpointOptions((IPEndPoint?)null);
        }

        if (!IPEndPoint.TryParse(text.Trim(), out var endpoint) || endpoint.Port == 0)
        {
            throw new ArgumentException($"{Variable}='{text}' is not ADDRESS:PORT, e.g. 127.0.0.1:9477");
        }

        if (!IPAddress.IsLoopback(endpoint.Address))
        {
            throw new ArgumentException($"{Variable}='{text}': the metrics endpoint listens on loopback only (127.0.0.1 or [::1])");
        }

        return new MetricsEndpointOptions(endpoint);
    }
}
