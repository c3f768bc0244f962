using Rampart.Core.Filtering;

namespace Rampart.Agent.Policy;

/// <summary>
/// This host's exemption list: what <see cref="ExemptTraffic"/> never secures, plus the servers this host is a client
/// of in clear. There are none until the host joins a realm (<c>rampart realm join REALM --kdc ADDR[:PORT]</c> will add
/// its KDC here), so today Kerberos and LDAP traffic is not exempt at all.
/// </summary>
public sealed class HostExemptions
{
    public IReadOnlyList<ExemptServer> Servers { get; init; } = [];

    /// <summary>The list for the host's current addresses (their subnets' broadcasts are exempt).</summary>
    public ExemptTraffic For(HostAddresses host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return new ExemptTraffic(host.DirectedBroadcasts, Servers);
    }
}
