using System.Net;
using System.Security.Cryptography;
using Rampart.Core.Algorithms;
using Rampart.Ike.V1;
using Rampart.Ike.Wire;

namespace Rampart.Ike.Tests.V1;

/// <summary>
/// Kerberos (GSS-API, method 65001) Main Mode between two engines, with a fake GSS peer answering each host's
/// <see cref="GssStep"/> at once: tokens in MM3/MM4, HASH_I/HASH_R over them protected by the context, the pauses,
/// the timeouts and the refusals.
/// </summary>
public class KerberosAuthenticationTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.2");
    private static readonly IkeProposal Proposal = new(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp2048, TimeSpan.FromHours(8));

    private static IkeV1PeerConfig KerberosPeer(IPAddress remote, string principal, params IkeAuthentication[] before) =>
        new(remote, [.. before, new IkeKerberosAuthentication { LocalPrincipal = principal }], [Proposal]);

    private static TwoEngines Net(FakeKerberos kerberos, IkeV1EngineOptions? responderOptions = null, IkeV1EngineOptions? initiatorOptions = null)
    {
        var responderPeer = KerberosPeer(A, FakeKerberos.PrincipalB);
        var net = new TwoEngines(KerberosPeer(B, FakeKerberos.PrincipalA), responderPeer, responderOptions: responderOptions ?? new IkeV1EngineOptions
        {
            FindPeer = address => address.Equals(A) ? responderPeer : null,
            FindQuickMode = (_, _) => TwoEngines.EspGcm(),
        }, initiatorOptions: initiatorOptions);
        net.Gss = kerberos.Answer;
        return net;
    }

    [Fact]
    public void MainModeAndQuickMode_WithKerberos_EstablishWithThePrincipalsAsIdentities()
    {
        var kerberos = new FakeKerberos();
        using var net = Net(kerberos);
        net.Acquire();
        net.Run();

        var i = Assert.Single(net.Initiator.Installed);
        var r = Assert.Single(net.Responder.Installed);
        NegotiationTests.AssertSamePair(i.Outbound, r.Inbound);
        NegotiationTests.AssertSamePair(r.Outbound, i.Inbound);

        // The initiator: first token, then the responder's token with HASH_I to protect, then HASH_R to verify.
        Assert.Equal([(true, false, true, false, false), (true, true, true, false, true), (false, false, true, true, false)],
            net.Initiator.GssSteps.Select(s => (s.Step, s.InputToken is not null, s.IsInitiator, s.PeerProtectedHash is not null, s.HashToProtect is not null)));
        // The responder: accept the initiator's token, then verify HASH_I and protect HASH_R in one step.
        Assert.Equal([(true, true, false, false, false), (false, false, false, true, true)],
            net.Responder.GssSteps.Select(s => (s.Step, s.InputToken is not null, s.IsInitiator, s.PeerProtectedHash is not null, s.HashToProtect is not null)));
        Assert.All(net.Initiator.GssSteps.Concat(net.Responder.GssSteps), s => Assert.Equal(GssHashBinding.Mic, s.Binding));
        Assert.Single(net.Initiator.GssSteps.Select(s => s.ContextId).Distinct());
        Assert.Equal(net.Initiator.GssSteps.Select(s => s.ContextId).Distinct(), net.Initiator.ReleasedGssContexts);
        Assert.Equal(net.Responder.GssSteps.Select(s => s.ContextId).Distinct(), net.Responder.ReleasedGssContexts);

        // The protected hashes verified: each side checked exactly the hash the other protected.
        Assert.Equal(net.Initiator.GssSteps[1].HashToProtect, net.Responder.GssSteps[1].ExpectedHash);
        Assert.Equal(net.Responder.GssSteps[1].HashToProtect, net.Initiator.GssSteps[2].ExpectedHash);

        Assert.Equal(FakeKerberos.PrincipalA, Assert.Single(net.Responder.Engine.MainModeSas(net.Now)).PeerIdentity);
        Assert.Equal(FakeKerberos.PrincipalB, Assert.Single(net.Initiator.Engine.MainModeSas(net.Now)).PeerIdentity);
        var established = Assert.Single(net.Responder.Audits, a => a.Kind == IkeAuditKind.MainModeEstablished);
        Assert.Equal(IkeAuthenticationMethod.GssApiKerberos, established.Authentication);
        Assert.Contains("Kerberos", established.Detail);
        Assert.Equal(FakeKerberos.PrincipalA, established.PeerIdentity);
        Assert.Equal(0, net.Responder.Engine.Counters.Malformed + net.Initiator.Engine.Counters.Malformed);
        Assert.Equal((3, 2), (net.Initiator.Engine.Counters.GssSteps, net.Responder.Engine.Counters.GssSteps));
    }

    [Fact]
    public void ClearMessages_CarryMethod65001_TheWindowsVendorIds_AndOneGssTokenInMm3AndMm4()
    {
        var kerberos = new FakeKerberos();
        using var net = Net(kerberos);
        net.Acquire();
        net.Run();

        var clear = net.Delivered.Take(4).Select(d => Parse(d.Datagram)).ToList();
        var sa = clear[0].Find<SecurityAssociationPayload>()!;
        Assert.All(sa.Proposals.Single().Transforms, t =>
        {
            Assert.True(ProposalCodec.TryReadIke(t, out var attributes, out _));
            Assert.Equal(65001ul, attributes.AuthenticationMethod);
        });
        foreach (var message in clear.Take(2))
        {
            var vendorIds = message.Payloads.OfType<VendorIdPayload>().Select(v => Convert.ToHexString(v.Data)).ToList();
            Assert.Contains("1E2B516905991C7D7C96FCBFB587E46100000002", vendorIds);
            Assert.Contains("621B04BB09882AC1E15935FEFA24AEEE", vendorIds);
            Assert.Contains(message.Payloads.OfType<VendorIdPayload>(), v => VendorIds.IsGssApi(v.Data));
        }

        Assert.Equal(kerberos.TokensSent[0], Assert.Single(clear[2].Payloads.OfType<GssTokenPayload>()).Data.ToArray());
        Assert.Equal(kerberos.TokensSent[1], Assert.Single(clear[3].Payloads.OfType<GssTokenPayload>()).Data.ToArray());
        Assert.Equal((byte)129, (byte)PayloadType.GssToken);
    }

    [Fact]
    public void OfferedAfterAPreSharedKey_KerberosIsChosenByAResponderOfferingOnlyKerberos()
    {
        var kerberos = new FakeKerberos();
        var responderPeer = KerberosPeer(A, FakeKerberos.PrincipalB);
        using var net = new TwoEngines(KerberosPeer(B, FakeKerberos.PrincipalA, new IkePreSharedKey("other"u8)), responderPeer, responderOptions: new IkeV1EngineOptions
        {
            FindPeer = address => address.Equals(A) ? responderPeer : null,
            FindQuickMode = (_, _) => TwoEngines.EspGcm(),
        });
        net.Gss = kerberos.Answer;
        net.Acquire();
        net.Run();

        var methods = Parse(net.Delivered[0].Datagram).Find<SecurityAssociationPayload>()!.Proposals.Single().Transforms
            .Select(t => ProposalCodec.TryReadIke(t, out var a, out _) ? a.AuthenticationMethod : 0).ToList();
        Assert.Equal([1ul, 65001ul], methods);
        Assert.Single(net.Initiator.Installed);
        Assert.Equal(IkeAuthenticationMethod.GssApiKerberos, Assert.Single(net.Initiator.Audits, a => a.Kind == IkeAuditKind.MainModeEstablished).Authentication);
    }

    [Fact]
    public void WhileTheAcceptorWaitsOnItsWorker_RetransmittedMm3IsAbsorbed_ThenMainModeGoesOn()
    {
        var kerberos = new FakeKerberos();
        using var net = Net(kerberos);
        net.Gss = (host, step) => host == net.Responder && step.Step ? null : kerberos.Answer(host, step);
        net.Acquire();
        net.Run();
        var pending = Assert.Single(net.Responder.GssSteps);
        var sentBefore = net.Responder.Sent.Count;

        net.AdvanceTo(net.Now + TimeSpan.FromSeconds(3.5)); // the initiator retransmits MM3 twice (1 s, 2 s)
        Assert.Equal(2, net.Initiator.Engine.Counters.Retransmits);
        Assert.Equal(sentBefore, net.Responder.Sent.Count);
        Assert.Equal(2, net.Responder.Engine.Counters.Replays);
        Assert.Single(net.Responder.GssSteps);

        net.CompleteGss(net.Responder, pending, kerberos.Answer(net.Responder, pending)!);
        net.Run();
        Assert.Single(net.Initiator.Installed);
        Assert.Single(net.Responder.Installed);
    }

    [Fact]
    public void TheAcceptorNeverAnswers_MainModeFailsAtTheGssTimeout_AsUnavailable547()
    {
        var kerberos = new FakeKerberos();
        var options = new IkeV1EngineOptions { FindPeer = _ => null, FindQuickMode = (_, _) => null, GssStepTimeout = TimeSpan.FromSeconds(5) };
        using var net = Net(kerberos, initiatorOptions: options);
        net.Gss = (host, step) => host == net.Initiator && step.InputToken is null ? null : kerberos.Answer(host, step);
        net.Acquire();
        net.Run();
        Assert.Single(net.Initiator.GssSteps);
        Assert.Single(net.Initiator.Sent); // MM1 only: MM3 waits for the ticket

        net.AdvanceTo(net.Now + TimeSpan.FromSeconds(4.9));
        Assert.DoesNotContain(net.Initiator.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed);
        net.AdvanceTo(net.Now + TimeSpan.FromSeconds(0.2));
        var failed = Assert.Single(net.Initiator.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed && a.Selector is null);
        Assert.Null(failed.Reason); // not AUTHENTICATION-FAILED: 547, not 545
        Assert.Contains("no GSS answer within 5 s", failed.Detail);
        Assert.Empty(net.Initiator.Engine.IsakmpSas());
        Assert.Equal(net.Initiator.GssSteps.Select(s => s.ContextId), net.Initiator.ReleasedGssContexts);

        // A late answer is ignored.
        net.CompleteGss(net.Initiator, net.Initiator.GssSteps[0], kerberos.Answer(net.Initiator, net.Initiator.GssSteps[0])!);
        Assert.Single(net.Initiator.Sent);
    }

    [Fact]
    public void TheHostReportsTheKdcUnreachable_MainModeFailsWithTheReason_NotAsAnAuthenticationFailure()
    {
        var kerberos = new FakeKerberos();
        using var net = Net(kerberos);
        net.Gss = (host, step) => host == net.Initiator ? GssStepResult.Failed(GssStepFailure.Unavailable, "the KDC 198.51.100.88:88 did not answer within 5 s") : kerberos.Answer(host, step);
        net.Acquire();
        net.Run();

        var failed = Assert.Single(net.Initiator.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed && a.Selector is null);
        Assert.Null(failed.Reason);
        Assert.Contains("the KDC 198.51.100.88:88 did not answer within 5 s", failed.Detail);
        Assert.Equal(1, net.Initiator.Engine.Counters.GssFailures);
    }

    [Fact]
    public void TheAcceptorRefusesTheTicket_ResponderFailsWithAuthenticationFailed545_AndTellsTheInitiator()
    {
        var kerberos = new FakeKerberos { AcceptorRefusal = "the peer's ticket is sealed with key version 3, but the keytab holds version 2" };
        using var net = Net(kerberos);
        net.Acquire();
        net.Run();

        var failed = Assert.Single(net.Responder.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed && a.Selector is null);
        Assert.Equal(NotifyMessageType.AuthenticationFailed, failed.Reason);
        Assert.Contains("key version 3", failed.Detail);
        Assert.Empty(net.Responder.Installed);
        Assert.Empty(net.Initiator.Installed);
        Assert.Empty(net.Responder.Engine.IsakmpSas());
    }

    [Fact]
    public void AHashProtectedWithAnotherKey_DoesNotVerify_AndFailsTheMainMode()
    {
        var kerberos = new FakeKerberos { CorruptInitiatorProtection = true };
        using var net = Net(kerberos);
        net.Acquire();
        net.Run();

        var failed = Assert.Single(net.Responder.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed && a.Selector is null);
        Assert.Equal(NotifyMessageType.AuthenticationFailed, failed.Reason);
        Assert.Contains("does not verify", failed.Detail);
        Assert.Empty(net.Responder.Installed);
        Assert.DoesNotContain(net.Responder.Audits, a => a.Kind == IkeAuditKind.MainModeEstablished);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Mm3WithoutExactlyOneGssToken_IsRefused_WithoutAskingTheHost(int tokens)
    {
        var kerberos = new FakeKerberos();
        using var net = Net(kerberos);
        net.Lose = (from, send) =>
        {
            var parsed = Parse(send.Datagram);
            if (from != net.Initiator || parsed.Find<KeyExchangePayload>() is null)
            {
                return false;
            }

            var others = parsed.Payloads.Where(p => p is not GssTokenPayload).ToList();
            var token = parsed.Find<GssTokenPayload>()!;
            others.InsertRange(2, Enumerable.Repeat<IsakmpPayload>(token, tokens));
            net.Lose = (_, _) => false;
            net.Deliver(net.Responder, new IsakmpMessage(parsed.Header, others).ToArray(), send.Remote, send.Local);
            return true;
        };
        net.Acquire();
        net.Run();

        Assert.Empty(net.Responder.GssSteps);
        Assert.Equal(1, net.Responder.Engine.Counters.Malformed);
        var failed = Assert.Single(net.Responder.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed && a.Selector is null);
        Assert.Equal(NotifyMessageType.AuthenticationFailed, failed.Reason);
        Assert.Contains($"carries {tokens} GSS token payloads", failed.Detail);
    }

    private static IsakmpMessage Parse(byte[] datagram)
    {
        Assert.True(IsakmpMessage.TryParse(datagram, out var parsed, out _));
        return parsed!;
    }
}

/// <summary>
/// A GSS peer for the engine tests: the initiator's token carries a fresh session key (a stand-in for the ticket's), the
/// acceptor replies with a token of its own; protection is HMAC-SHA-256 with the session key over the hash.
/// </summary>
internal sealed class FakeKerberos
{
    public const string PrincipalA = "host/a.rampart.test@RAMPART.TEST";
    public const string PrincipalB = "host/b.rampart.test@RAMPART.TEST";

    private static readonly byte[] ApReq = "AP-REQ"u8.ToArray();
    private static readonly byte[] ApRep = "AP-REP"u8.ToArray();

    private readonly Dictionary<(SimHost, long), byte[]> _sessionKeys = [];

    public string? AcceptorRefusal { get; init; }

    public bool CorruptInitiatorProtection { get; init; }

    /// <summary>Every token produced, in order.</summary>
    public List<byte[]> TokensSent { get; } = [];

    public GssStepResult? Answer(SimHost host, GssStep step)
    {
        var key = (host, step.ContextId);
        byte[]? token = null;
        var peer = step.Peer.Equals(IPAddress.Parse("192.0.2.1")) ? PrincipalA : PrincipalB;
        if (step.Step)
        {
            if (step.IsInitiator && step.InputToken is null)
            {
                var session = RandomNumberGenerator.GetBytes(32);
                _sessionKeys[key] = session;
                token = [.. ApReq, .. session];
            }
            else if (!step.IsInitiator)
            {
                if (AcceptorRefusal is { } refusal)
                {
                    return GssStepResult.Failed(GssStepFailure.Refused, refusal);
                }

                if (step.InputToken is not { } input || !input.AsSpan().StartsWith(ApReq))
                {
                    return GssStepResult.Failed(GssStepFailure.Refused, "not an AP-REQ");
                }

                _sessionKeys[key] = input[ApReq.Length..];
                token = ApRep;
            }
            else if (step.InputToken is not { } reply || !reply.AsSpan().SequenceEqual(ApRep))
            {
                return GssStepResult.Failed(GssStepFailure.Refused, "not an AP-REP");
            }
        }

        if (token is not null)
        {
            TokensSent.Add(token);
        }

        if (!_sessionKeys.TryGetValue(key, out var sessionKey))
        {
            return GssStepResult.Failed(GssStepFailure.Unavailable, "no context");
        }

        if (step.PeerProtectedHash is { } protectedHash
            && !CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(sessionKey, step.ExpectedHash!), protectedHash))
        {
            return GssStepResult.Failed(GssStepFailure.Refused, "the peer's MIC over the exchange's hash does not verify");
        }

        var protectionKey = CorruptInitiatorProtection && step.IsInitiator ? new byte[32] : sessionKey;
        var protectedOurs = step.HashToProtect is { } hash ? HMACSHA256.HashData(protectionKey, hash) : null;
        return GssStepResult.Done(token, protectedOurs, peer);
    }
}
