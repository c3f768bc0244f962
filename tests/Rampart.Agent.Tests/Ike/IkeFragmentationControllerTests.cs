using System.Net;
using Rampart.Agent.Ike;
using Rampart.Agent.Policy;
using Rampart.Core.Algorithms;
using Rampart.Core.Policy;
using Rampart.Ike.V1;

namespace Rampart.Agent.Tests.Ike;

public class IkeFragmentationControllerTests
{
    [Fact]
    public void SmallFragmentSize_ReachesTheEngine_AndTheFragmentCountersReachIkeStatus()
    {
        var options = new IkeControllerOptions
        {
            Engine = new IkeV1EngineOptions { FindPeer = _ => null, FindQuickMode = (_, _) => null, FragmentSize = IkeV1EngineOptions.MinFragmentSize },
        };
        using var pair = new ControllerPair(options);

        // DH group 14: MM3 and MM4 (a 256-byte KE payload) do not fit 256-byte packets.
        pair.A.Assign(PartnerWithModp2048(TestPolicies.HostA, TestPolicies.HostB));
        pair.B.Assign(PartnerWithModp2048(TestPolicies.HostB, TestPolicies.HostA));
        pair.A.Controller.OnAcquire(PolicyIkeMappingTests.AcquireFor(pair.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB));
        pair.Deliver();

        Assert.Equal(1, pair.A.Controller.InstalledPairs);
        Assert.Equal(1, pair.B.Controller.InstalledPairs);
        foreach (var host in new[] { pair.A, pair.B })
        {
            var fragments = host.Controller.Status().Statistics.Fragments;
            Assert.True(fragments.Sent >= 2, $"{fragments.Sent} fragments sent");
            Assert.True(fragments.Received >= 2, $"{fragments.Received} fragments received");
            Assert.True(fragments.Reassembled >= 1, $"{fragments.Reassembled} messages reassembled");
            Assert.Equal(0, fragments.ReassembliesDropped);
        }
    }

    private static AppliedPolicy PartnerWithModp2048(IPAddress me, IPAddress partner)
    {
        var snapshot = TestPolicies.Partner(me, partner).Snapshot;
        var policy = snapshot.Policies[0];
        policy = policy with { KeyExchange = policy.KeyExchange with { Methods = EquatableList.Of(new IkeSecurityMethod(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp2048)) } };
        return TestPolicies.Apply(snapshot with { Policies = EquatableList.Of(policy) }, me);
    }
}
