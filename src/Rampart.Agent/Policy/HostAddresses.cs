using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Rampart.Core.Filtering;

namespace Rampart.Agent.Policy;

/// <summary>
/// What "My IP Address" means on this host right now: every unicast address of every interface that is up,
/// except loopback and IPv6 link-local (IPsec policy is about traffic between hosts), plus the directed broadcast
/// address of each IPv4 subnet (exempt from IPsec). Read at assignment and whenever the policy is re-applied.
/// </summary>
public sealed record HostAddresses(IReadOnlyList<IPAddress> Unicast, IReadOnlySet<UInt128> DirectedBroadcasts)
{
    public static HostAddresses Discover()
    {
        var unicast = new List<IPAddress>();
        var broadcasts = new HashSet<UInt128>();
        foreach (var networkInterface in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (networkInterface.OperationalStatus == OperationalStatus.Down || networkInterface.NetworkInterfaceType == NetworkInterfaceType.Loopback)
            {
                continue;
            }

            foreach (var address in networkInterface.GetIPProperties().UnicastAddresses)
            {
                var ip = address.Address;
                if (IPAddress.IsLoopback(ip) || ip.IsIPv6LinkLocal)
                {
                    continue;
                }

                unicast.Add(ip);
                if (ip.AddressFamily == AddressFamily.InterNetwork && address.PrefixLength is > 0 and < 31)
                {
                    var (value, _) = AddressPrefix.ToNumber(ip);
                    broadcasts.Add(value | (~AddressPrefix.MaskFor((byte)address.PrefixLength, isIPv6: false) & uint.MaxValue));
                }
            }
        }

        return new HostAddresses(unicast, broadcasts);
    }
}
