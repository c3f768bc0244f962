using Rampart.Lab;

namespace Rampart.Interop.Tests.Harness;

/// <summary>Rampart's side of an interop lab: the policy it negotiates with strongSwan, built with the CLI.</summary>
internal static class InteropPolicy
{
    /// <summary>
    /// A policy securing everything between <paramref name="host"/> and <paramref name="peer"/> through a host-to-host
    /// tunnel, the rule authenticating with <paramref name="authentication"/> (<c>psk:KEY</c>, <c>cert:CA-NAME</c>).
    /// </summary>
    public static void AssignTunnelPolicy(this AgentHost host, string peer, CipherSuite suite, string authentication)
    {
        ArgumentNullException.ThrowIfNull(suite);
        string[][] commands =
        [
            ["policy", "create", "Interop", "--no-default-response"],
            ["policy", "set", "Interop", "--mm-method", suite.RampartMainMode],
            ["filterlist", "create", "strongSwan"],
            ["filter", "add", "strongSwan", "--src", "me", "--dst", peer],
            ["filteraction", "create", "Interop ESP", "--negotiate", "--method", suite.RampartSecurityMethod],
            ["rule", "add", "Interop", "--filterlist", "strongSwan", "--action", "Interop ESP", "--auth", authentication, "--tunnel", peer],
            ["policy", "assign", "Interop"],
        ];
        foreach (var command in commands)
        {
            host.Cli(command);
        }

        host.WaitUntilEnforcing("Interop");
    }
}
