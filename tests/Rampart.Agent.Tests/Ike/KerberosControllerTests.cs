using System.Net;
using Rampart.Agent.Ike;
using Rampart.Core.Auditing;
using Rampart.Core.Policy;
using Rampart.Credentials.Kerberos;

namespace Rampart.Agent.Tests.Ike;

/// <summary>
/// The controller's Kerberos path without a KDC: both hosts joined, Secure Server on both; the initiator's first GSS
/// step runs off the loop, finds no principal for its peer and comes back to the loop as a 545 with the reason.
/// </summary>
public sealed class KerberosControllerTests : IDisposable
{
    private readonly List<KerberosAuthenticator> _authenticators = [];

    [Fact]
    public void JoinedHosts_APeerWithoutAName_FailsOffTheLoopWith545AndTheReason()
    {
        using var pair = new ControllerPair(kerberos: Services);
        pair.A.Assign(TestPolicies.BuiltIn(BuiltInPolicies.SecureServer, TestPolicies.HostA));
        pair.B.Assign(TestPolicies.BuiltIn(BuiltInPolicies.SecureServer, TestPolicies.HostB));

        pair.A.Controller.OnAcquire(PolicyIkeMappingTests.AcquireFor(pair.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB));
        pair.Pump(() => pair.A.Audits.Any(a => a.EventId == AuditEventId.PeerAuthenticationFailed));

        var failure = pair.A.Audits.First(a => a.EventId == AuditEventId.PeerAuthenticationFailed);
        Assert.Contains($"no Kerberos principal for {TestPolicies.HostB}", string.Join(" ", failure.Fields.Select(f => f.Value)), StringComparison.Ordinal);
        Assert.Equal(0, pair.A.Controller.InstalledPairs);
    }

    public void Dispose()
    {
        foreach (var authenticator in _authenticators)
        {
            authenticator.Dispose();
        }
    }

    private IkeKerberosServices Services(IPAddress address)
    {
        Assert.True(KdcEndpoint.TryParse("198.51.100.88", out var kdc, out var error), error);
        var name = address.Equals(TestPolicies.HostA) ? "a.rampart.test" : "b.rampart.test";
        var membership = new RealmMembership("RAMPART.TEST", kdc, HostPrincipal.For(name, "RAMPART.TEST"), new Dictionary<IPAddress, string>(), DateTimeOffset.UnixEpoch);
        var authenticator = new KerberosAuthenticator();
        _authenticators.Add(authenticator);
        return new(membership, authenticator, new PeerPrincipalResolver(membership, (_, _) => Task.FromResult<string?>(null)));
    }
}
