using Rampart.Core.Policy;

namespace Rampart.Core.Tests.Policy;

public class BuiltInPoliciesTests
{
    private static readonly PolicySnapshot Snapshot = BuiltInPolicies.Snapshot;

    [Fact]
    public void BuiltIns_AreValidAndNoneAssigned()
    {
        Assert.Empty(PolicyValidator.Validate(Snapshot));
        Assert.Null(Snapshot.AssignedPolicyName);
        Assert.Equal(["Client (Respond Only)", "Server (Request Security)", "Secure Server (Require Security)"], Snapshot.Policies.Select(p => p.Name));
        Assert.Equal(["All IP Traffic", "All ICMP Traffic"], Snapshot.FilterLists.Select(l => l.Name));
        Assert.Equal(["Permit", "Request Security (Optional)", "Require Security"], Snapshot.FilterActions.Select(a => a.Name));
    }

    [Fact]
    public void FilterLists_AreMirroredFromMeToAny()
    {
        Assert.Equal([new Filter(AddressSpec.Me, AddressSpec.Any)], Snapshot.FindFilterList("All IP Traffic")!.Filters);
        Assert.Equal([new Filter(AddressSpec.Me, AddressSpec.Any, Filter.Icmp)], Snapshot.FindFilterList("All ICMP Traffic")!.Filters);
    }

    [Fact]
    public void FilterActions_MatchTheWalkthrough()
    {
        var permit = Snapshot.FindFilterAction("Permit")!;
        Assert.Equal(FilterActionKind.Permit, permit.Kind);
        Assert.Empty(permit.SecurityMethods);

        var request = Snapshot.FindFilterAction("Request Security (Optional)")!;
        Assert.Equal(FilterActionKind.Negotiate, request.Kind);
        Assert.True(request.AllowFallbackToClear);
        Assert.True(request.AcceptUnsecured);
        Assert.Equal(SecurityMethod.High.Concat(SecurityMethod.Medium), request.SecurityMethods);

        var require = Snapshot.FindFilterAction("Require Security")!;
        Assert.Equal(FilterActionKind.Negotiate, require.Kind);
        Assert.False(require.AllowFallbackToClear);
        Assert.True(require.AcceptUnsecured);
        Assert.Equal(SecurityMethod.High.Concat(SecurityMethod.Medium), require.SecurityMethods);
    }

    [Fact]
    public void Policies_UseKerberosAndTheDefaultResponseRule()
    {
        var client = Snapshot.FindPolicy(BuiltInPolicies.Client)!;
        Assert.Empty(client.Rules);
        Assert.True(client.DefaultResponseRule);

        var server = Snapshot.FindPolicy(BuiltInPolicies.Server)!;
        Assert.Equal([new Rule("All IP Traffic", "Request Security (Optional)", EquatableList.Of(AuthenticationMethod.Kerberos))], server.Rules);
        Assert.True(server.DefaultResponseRule);

        var secure = Snapshot.FindPolicy(BuiltInPolicies.SecureServer)!;
        Assert.Equal([new Rule("All IP Traffic", "Require Security", EquatableList.Of(AuthenticationMethod.Kerberos))], secure.Rules);
        Assert.True(secure.DefaultResponseRule);
    }

    [Theory]
    [InlineData("Client", BuiltInPolicies.Client)]
    [InlineData("server", BuiltInPolicies.Server)]
    [InlineData("Secure Server", BuiltInPolicies.SecureServer)]
    [InlineData("Server (Request Security)", BuiltInPolicies.Server)]
    public void ShortNames_ResolveToBuiltIns(string name, string expected)
    {
        Assert.True(Snapshot.TryResolvePolicy(name, out var policy, out _));
        Assert.Equal(expected, policy.Name);
    }

    [Fact]
    public void PingIsSecuredByServerAndSecureServer()
    {
        var ping = new Filter(AddressSpec.Me, new AddressSpec.Host(System.Net.IPAddress.Parse("192.0.2.2")), Filter.Icmp);
        foreach (var name in new[] { BuiltInPolicies.Server, BuiltInPolicies.SecureServer })
        {
            var rule = Snapshot.FindPolicy(name)!.Rules[0];
            Assert.Contains(Snapshot.FindFilterList(rule.FilterListName)!.Filters, f => f.OverlapsHostPairs(ping) && f.Protocol is null);
            Assert.Equal(FilterActionKind.Negotiate, Snapshot.FindFilterAction(rule.FilterActionName)!.Kind);
        }
    }
}
