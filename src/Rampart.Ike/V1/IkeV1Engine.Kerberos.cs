using System.Net;
using Rampart.Ike.Crypto;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>
/// Kerberos authentication (GSS-API, method 65001; docs/kerberos.md "Wire format"): the GSS tokens in MM3/MM4, HASH_I and
/// HASH_R over them protected with the GSS context (<see cref="HashBinding"/>). Every GSS call is a <see cref="GssStep"/>
/// the host runs off the IKE loop; Main Mode waits meanwhile (retransmissions absorbed; past
/// <see cref="IkeV1EngineOptions.GssStepTimeout"/> it fails).
/// </summary>
public sealed partial class IkeV1Engine
{
    /// <summary>
    /// How HASH_I/HASH_R are protected. The issue asks for a MIC (draft-ietf-ipsec-isakmp-gss-auth); racoon wraps
    /// instead (docs/kerberos.md). Change it here only.
    /// </summary>
    internal const GssHashBinding HashBinding = GssHashBinding.Mic;

    /// <summary>A GSS token larger than this is refused: Active Directory tickets with a PAC reach several KB, not 64.</summary>
    internal const int MaxGssTokenLength = 65_535;

    private readonly Dictionary<long, Phase1Sa> _gssRequests = [];
    private long _lastGssRequestId;

    /// <summary>
    /// The host's answer to <see cref="GssStep"/> <paramref name="requestId"/>: Main Mode goes on, or fails with the
    /// reason (a refusal as AUTHENTICATION-FAILED, audited 545; the KDC or the workers not answering, 547). An unknown
    /// request (timed out, SA gone) is ignored.
    /// </summary>
    public void CompleteGssStep(long requestId, GssStepResult result, DateTimeOffset now, List<IkeAction> actions)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(actions);
        if (!_gssRequests.Remove(requestId, out var phase1) || !_phase1s.Contains(phase1) || phase1.GssRequestId != requestId)
        {
            return;
        }

        phase1.GssRequestId = 0;
        var next = phase1.GssNext;
        phase1.GssNext = GssNextStep.None;
        if (result.PeerPrincipal is { } principal)
        {
            phase1.PeerIdentity = principal;
        }

        if (result.Failure is { } failure)
        {
            GssFailed(phase1, failure, $"Kerberos with {phase1.Remote.Address} failed: {result.Reason}", actions);
        }
        else if (result.Token is { Length: > MaxGssTokenLength })
        {
            GssFailed(phase1, GssStepFailure.Refused, $"our GSS token of {result.Token.Length} bytes is over {MaxGssTokenLength}", actions);
        }
        else
        {
            switch (next)
            {
                case GssNextStep.SendMm3:
                    SendKerberosMm3(phase1, result, now, actions);
                    break;
                case GssNextStep.SendMm4:
                    SendKerberosMm4(phase1, result, actions);
                    break;
                case GssNextStep.SendMm5:
                    SendKerberosMm5(phase1, result, now, actions);
                    break;
                case GssNextStep.SendMm6:
                    SendKerberosMm6(phase1, result, now, actions);
                    break;
                case GssNextStep.Establish:
                    phase1.Iv = phase1.GssNextIv;
                    Established(phase1, now, actions);
                    break;
            }
        }

        ArmIfEarlier(now, actions);
    }

    /// <summary>The Windows 2000 vendor IDs in MM1/MM2 when Kerberos is offered or chosen.</summary>
    private static void AddKerberosVendorIds(bool kerberos, List<IsakmpPayload> payloads)
    {
        if (kerberos)
        {
            payloads.Add(new VendorIdPayload(VendorIds.MicrosoftNt5));
            payloads.Add(new VendorIdPayload(VendorIds.GssApi));
        }
    }

    /// <summary>Initiator after MM2: ask the host for our first token (the ticket request) before MM3.</summary>
    private void RequestInitiatorToken(Phase1Sa phase1, ReadOnlySpan<byte> mm2, DateTimeOffset now, List<IkeAction> actions)
    {
        phase1.LastReceived = mm2.ToArray();
        RequestGss(phase1, GssNextStep.SendMm3, step: true, inputToken: null, expectedHash: null, peerProtectedHash: null, hashToProtect: null, now, actions);
        Log(actions, 50, $"Main Mode with {phase1.Remote.Address}: requesting a Kerberos ticket");
    }

    private void SendKerberosMm3(Phase1Sa phase1, GssStepResult result, DateTimeOffset now, List<IkeAction> actions)
    {
        if (result.Token is not { Length: > 0 } token)
        {
            GssFailed(phase1, GssStepFailure.Refused, "the GSS context produced no initial token", actions);
            return;
        }

        phase1.GssTokensI = token;
        var payloads = new List<IsakmpPayload> { new KeyExchangePayload(phase1.PublicI), new NoncePayload(phase1.NonceI), new GssTokenPayload(token) };
        AddNatDiscovery(phase1, payloads);
        phase1.State = Phase1State.InitiatorSentKe;
        NextRequest(phase1, phase1.LastReceived, new IsakmpMessage(phase1.Header(ExchangeType.IdentityProtection, 0), payloads).ToArray(), now, actions);
    }

    /// <summary>Responder after MM3 (keys derived): hand the initiator's token to the acceptor before MM4.</summary>
    private void RequestAcceptorToken(Phase1Sa phase1, IReadOnlyList<IsakmpPayload> mm3, ReadOnlySpan<byte> message, DateTimeOffset now, List<IkeAction> actions)
    {
        var tokens = mm3.OfType<GssTokenPayload>().ToList();
        if (tokens is not [{ Data.Length: > 0 and <= MaxGssTokenLength } token])
        {
            Counters.Malformed++;
            RefuseAuthentication(phase1, $"MM3 from {phase1.Remote.Address} carries {tokens.Count} GSS token payloads, expected one of 1 to {MaxGssTokenLength} bytes", IkeAuditKind.NegotiationFailed, actions);
            return;
        }

        phase1.GssTokensI = token.Data.ToArray();
        phase1.LastReceived = message.ToArray();
        RequestGss(phase1, GssNextStep.SendMm4, step: true, inputToken: phase1.GssTokensI, expectedHash: null, peerProtectedHash: null, hashToProtect: null, now, actions);
    }

    private void SendKerberosMm4(Phase1Sa phase1, GssStepResult result, List<IkeAction> actions)
    {
        if (result.Token is not { Length: > 0 } token)
        {
            GssFailed(phase1, GssStepFailure.Refused, "the GSS acceptor produced no reply token (mutual authentication is required)", actions);
            return;
        }

        phase1.GssTokensR = token;
        var payloads = new List<IsakmpPayload> { new KeyExchangePayload(phase1.PublicR), new NoncePayload(phase1.NonceR), new GssTokenPayload(token) };
        AddNatDiscovery(phase1, payloads);
        phase1.State = Phase1State.ResponderSentKe;
        phase1.LastSent = phase1.Send(new IsakmpMessage(phase1.Header(ExchangeType.IdentityProtection, 0), payloads).ToArray(), actions);
        phase1.Due = Scheduled(phase1.Created + options.HalfOpenTimeout);
    }

    /// <summary>Initiator after MM4 (keys derived): the responder's token completes our context, which protects HASH_I.</summary>
    private void RequestInitiatorFinish(Phase1Sa phase1, IReadOnlyList<IsakmpPayload> mm4, ReadOnlySpan<byte> message, DateTimeOffset now, List<IkeAction> actions)
    {
        var tokens = mm4.OfType<GssTokenPayload>().ToList();
        if (tokens is not [{ Data.Length: > 0 and <= MaxGssTokenLength } token])
        {
            Counters.Malformed++;
            Fail(phase1, NotifyMessageType.AuthenticationFailed, $"MM4 from {phase1.Remote.Address} carries {tokens.Count} GSS token payloads, expected one of 1 to {MaxGssTokenLength} bytes", actions);
            return;
        }

        phase1.GssTokensR = token.Data.ToArray();
        var id = (phase1.Peer.LocalIdentity ?? IkeIdentity.Address(phase1.Local.Address)).ToPayload();
        phase1.GssOwnId = id;
        var hashI = IkeV1KeyDerivation.HashI(phase1.Prf!, phase1.Skeyid, phase1.PublicI, phase1.PublicR, phase1.CookieI, phase1.CookieR, phase1.InitiatorSaBody, [.. id.BodyBytes(), .. phase1.GssTokensI]);
        phase1.LastReceived = message.ToArray();
        RequestGss(phase1, GssNextStep.SendMm5, step: true, inputToken: phase1.GssTokensR, expectedHash: null, peerProtectedHash: null, hashToProtect: hashI, now, actions);
    }

    private void SendKerberosMm5(Phase1Sa phase1, GssStepResult result, DateTimeOffset now, List<IkeAction> actions)
    {
        if (result.Token is { Length: > 0 })
        {
            // Kerberos completes in one round trip; a context asking for more is not what Windows 2000 does.
            GssFailed(phase1, GssStepFailure.Refused, "the GSS context asked for another round after the responder's token", actions);
            return;
        }

        if (result.ProtectedHash is not { Length: > 0 } protectedHash)
        {
            GssFailed(phase1, GssStepFailure.Refused, "the GSS context did not protect HASH_I", actions);
            return;
        }

        List<IsakmpPayload> payloads = [phase1.GssOwnId!, new HashPayload(protectedHash)];
        if (!_contacted.Contains(phase1.Remote.Address))
        {
            payloads.Add(new NotificationPayload(ProtocolId.Isakmp, NotifyMessageType.InitialContact, phase1.CookieBytes(), []));
        }

        var iv = phase1.Iv;
        var request = phase1.Encrypt(phase1.Header(ExchangeType.IdentityProtection, 0), payloads, ref iv);
        phase1.Iv = iv;
        phase1.State = Phase1State.InitiatorSentId;
        NextRequest(phase1, phase1.LastReceived, request, now, actions);
    }

    /// <summary>Responder: MM5's protected HASH_I is checked by the host, which protects HASH_R for MM6 in the same step.</summary>
    private void ResponderReceiveKerberosId(Phase1Sa phase1, in IsakmpHeader header, ReadOnlySpan<byte> message, IPEndPoint local, IPEndPoint remote, DateTimeOffset now, List<IkeAction> actions)
    {
        if (!TryDecrypt(phase1, header, message, phase1.Iv, out var payloads, out _, out var nextIv)
            || Find<IdentificationPayload>(payloads) is not { } id || Find<HashPayload>(payloads) is not { } hash)
        {
            AuthenticationFailed(phase1, "could not decrypt or parse MM5", actions);
            return;
        }

        if (phase1.Peer.RemoteIdentity is { } required && !required.Matches(id))
        {
            AuthenticationFailed(phase1, $"the peer's ID {PeerCertificates.Describe(id)} is not the one required", actions);
            return;
        }

        var expected = IkeV1KeyDerivation.HashI(phase1.Prf!, phase1.Skeyid, phase1.PublicI, phase1.PublicR, phase1.CookieI, phase1.CookieR, phase1.InitiatorSaBody, [.. id.BodyBytes(), .. phase1.GssTokensI]);
        var myId = (phase1.Peer.LocalIdentity ?? IkeIdentity.Address(local.Address)).ToPayload();
        var hashR = IkeV1KeyDerivation.HashR(phase1.Prf!, phase1.Skeyid, phase1.PublicI, phase1.PublicR, phase1.CookieI, phase1.CookieR, phase1.InitiatorSaBody, [.. myId.BodyBytes(), .. phase1.GssTokensR]);
        phase1.GssOwnId = myId;
        phase1.GssNextIv = nextIv;
        phase1.GssLocalEndpoint = local;
        phase1.GssPeerEndpoint = remote;
        phase1.PeerSentInitialContact = payloads.OfType<NotificationPayload>().Any(n => n.NotifyType == NotifyMessageType.InitialContact);
        phase1.LastReceived = message.ToArray();
        RequestGss(phase1, GssNextStep.SendMm6, step: false, inputToken: null, expectedHash: expected, peerProtectedHash: hash.Data.ToArray(), hashToProtect: hashR, now, actions);
    }

    private void SendKerberosMm6(Phase1Sa phase1, GssStepResult result, DateTimeOffset now, List<IkeAction> actions)
    {
        if (result.ProtectedHash is not { Length: > 0 } protectedHash)
        {
            GssFailed(phase1, GssStepFailure.Refused, "the GSS context did not protect HASH_R", actions);
            return;
        }

        phase1.Iv = phase1.GssNextIv;
        phase1.Local = phase1.GssLocalEndpoint!;
        phase1.Remote = phase1.GssPeerEndpoint!;
        if (phase1.PeerSentInitialContact)
        {
            ForgetOtherSas(phase1, actions);
        }

        var iv = phase1.Iv;
        var reply = phase1.Encrypt(phase1.Header(ExchangeType.IdentityProtection, 0), [phase1.GssOwnId!, new HashPayload(protectedHash)], ref iv);
        phase1.Iv = iv;
        phase1.LastSent = phase1.Send(reply, actions);
        Established(phase1, now, actions);
    }

    /// <summary>Initiator: MM6's protected HASH_R is checked by the host; established when it verifies.</summary>
    private void InitiatorReceiveKerberosId(Phase1Sa phase1, in IsakmpHeader header, ReadOnlySpan<byte> message, DateTimeOffset now, List<IkeAction> actions)
    {
        if (!TryDecrypt(phase1, header, message, phase1.Iv, out var payloads, out _, out var nextIv)
            || Find<IdentificationPayload>(payloads) is not { } id || Find<HashPayload>(payloads) is not { } hash)
        {
            return;
        }

        if (phase1.Peer.RemoteIdentity is { } required && !required.Matches(id))
        {
            Fail(phase1, NotifyMessageType.AuthenticationFailed, $"the peer's ID {PeerCertificates.Describe(id)} is not the one required", actions);
            return;
        }

        var expected = IkeV1KeyDerivation.HashR(phase1.Prf!, phase1.Skeyid, phase1.PublicI, phase1.PublicR, phase1.CookieI, phase1.CookieR, phase1.InitiatorSaBody, [.. id.BodyBytes(), .. phase1.GssTokensR]);
        phase1.GssNextIv = nextIv;
        phase1.LastReceived = message.ToArray();
        RequestGss(phase1, GssNextStep.Establish, step: false, inputToken: null, expectedHash: expected, peerProtectedHash: hash.Data.ToArray(), hashToProtect: null, now, actions);
    }

    private void RequestGss(Phase1Sa phase1, GssNextStep next, bool step, byte[]? inputToken, byte[]? expectedHash, byte[]? peerProtectedHash, byte[]? hashToProtect, DateTimeOffset now, List<IkeAction> actions)
    {
        phase1.GssRequestId = ++_lastGssRequestId;
        if (phase1.GssContextId == 0)
        {
            phase1.GssContextId = phase1.GssRequestId;
        }

        phase1.GssNext = next;
        phase1.State = Phase1State.GssWaiting;
        _gssRequests[phase1.GssRequestId] = phase1;
        phase1.Due = Scheduled(now + options.GssStepTimeout);
        Counters.GssSteps++;
        actions.Add(new GssStep(phase1.GssRequestId, phase1.GssContextId, phase1.Remote.Address, phase1.IsInitiator, phase1.Kerberos!, step, inputToken, expectedHash, peerProtectedHash, hashToProtect, HashBinding));
    }

    /// <summary>The host did not answer in time (its own timeout should have come first): fail as the KDC not answering.</summary>
    private void GssStepTimedOut(Phase1Sa phase1, List<IkeAction> actions)
    {
        _gssRequests.Remove(phase1.GssRequestId);
        phase1.GssRequestId = 0;
        GssFailed(phase1, GssStepFailure.Unavailable, $"Kerberos with {phase1.Remote.Address}: no GSS answer within {options.GssStepTimeout.TotalSeconds:0} s", actions);
    }

    /// <summary>A refusal is an authentication failure (545, the peer told when we respond); anything else is 547.</summary>
    private void GssFailed(Phase1Sa phase1, GssStepFailure failure, string detail, List<IkeAction> actions)
    {
        Counters.GssFailures++;
        if (failure == GssStepFailure.Refused)
        {
            RefuseAuthentication(phase1, detail, IkeAuditKind.NegotiationFailed, actions);
        }
        else
        {
            Fail(phase1, null, detail, actions);
        }
    }

    /// <summary>The host may dispose the SA's GSS context: Main Mode is over, established or failed.</summary>
    private static void ReleaseGss(Phase1Sa phase1, List<IkeAction> actions)
    {
        if (phase1.GssContextId != 0)
        {
            actions.Add(new ReleaseGssContext(phase1.GssContextId));
            phase1.GssContextId = 0;
        }
    }
}
