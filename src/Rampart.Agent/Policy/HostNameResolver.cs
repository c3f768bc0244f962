using System.Net;
using System.Net.Sockets;

namespace Rampart.Agent.Policy;

/// <summary>Resolves the DNS names of filters (the system resolver unless a test supplies another); a failure is no addresses.</summary>
public sealed class HostNameResolver(Func<string, IReadOnlyList<IPAddress>>? resolve = null)
{
    public IReadOnlyList<IPAddress> Resolve(string name) => resolve is not null ? resolve(name) : System(name);

    private static IPAddress[] System(string name)
    {
        try
        {
            return Dns.GetHostAddresses(name);
        }
        catch (SocketException)
        {
            return [];
        }
    }
}
