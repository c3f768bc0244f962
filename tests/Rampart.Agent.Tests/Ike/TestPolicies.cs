using System.Net;
using Rampart.Agent.Policy;
using Rampart.Core.Filtering;
using Rampart.Core.Policy;

namespace Rampart.Agent.Tests.Ike;

/// <summary>The walkthrough's policies, compiled for a host, as the policy agent publishes them.</summary>
internal static class TestPolicies
{
    public static readonly IPAddress HostA = IPAddress.Parse("192.0.2.1");
    public static readonly IPAddress HostB = IPAddress.Parse("192.0.2.2");

    public static AppliedPolicy Partner(IPAddress me, IPAddress partner, string psk = "ABC123", string method = "medium", bool pfs = false, IPAddress? tunnel = null, bool fallback = false, int mainModeMinutes = 480) =>
        Partner(me, partner, [new AuthenticationMethod.PreSharedKey(psk)], method, pfs, tunnel, fallback, mainModeMinutes);

    /// <summary>The Partner policy whose rule authenticates with <paramref name="authentication"/>, in that order.</summary>
    public static AppliedPolicy Partner(IPAddress me, IPAddress partner, IReadOnlyList<AuthenticationMethod> authentication, string method = "medium", bool pfs = false, IPAddress? tunnel = null, bool fallback = false, int mainModeMinutes = 480)
    {
        Assert.True(SecurityMethod.TryParse(method, out var methods, out _));
        var list = new FilterList("Partner Filter", "", EquatableList.Of(new Filter(AddressSpec.Me, new AddressSpec.Host(partner))));
        var action = new FilterAction("Partner Filter Action", "", FilterActionKind.Negotiate, methods, AllowFallbackToClear: fallback, SessionKeyPfs: pfs);
        var policy = IpsecPolicy.Create("Partner") with
        {
            KeyExchange = KeyExchangeSettings.Default with { MainModeLifetimeMinutes = mainModeMinutes },
            Rules = EquatableList.Of(new Rule(list.Name, action.Name, new EquatableList<AuthenticationMethod>(authentication), tunnel)),
        };
        return Apply(new PolicySnapshot(EquatableList.Of(policy), EquatableList.Of(list), EquatableList.Of(action), policy.Name), me);
    }

    /// <summary>A built-in policy; with <paramref name="psk"/> its rule authenticates with that key instead of Kerberos.</summary>
    public static AppliedPolicy BuiltIn(string name, IPAddress me, string? psk = null)
    {
        var snapshot = BuiltInPolicies.Snapshot;
        var policy = snapshot.FindPolicy(name)!;
        if (psk is not null)
        {
            policy = policy with { Rules = new EquatableList<Rule>(policy.Rules.Select(r => r with { AuthenticationMethods = EquatableList.Of<AuthenticationMethod>(new AuthenticationMethod.PreSharedKey(psk)) })) };
        }

        return Apply(snapshot with { Policies = new EquatableList<IpsecPolicy>(snapshot.Policies.Select(p => p.Name == name ? policy : p)), AssignedPolicyName = name }, me);
    }

    public static AppliedPolicy Apply(PolicySnapshot snapshot, IPAddress me)
    {
        var host = new HostAddresses([me], new HashSet<UInt128>());
        var compiled = FilterCompiler.Compile(snapshot, host.Unicast, new ExemptTraffic(host.DirectedBroadcasts), _ => [], out _);
        return new AppliedPolicy(snapshot, snapshot.AssignedPolicy, compiled, host, 1);
    }
}
