using System.Net;
using System.Security.Cryptography;
using Rampart.Core;
using Rampart.Core.Algorithms;
using Rampart.Ike.Crypto;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>
/// Main Mode (identity protection exchange) with pre-shared keys (RFC 2409 §5.4) or signatures (§5.1, in
/// IkeV1Engine.Certificates.cs); NAT-T per RFC 3947.
/// </summary>
public sealed partial class IkeV1Engine
{
    private Phase1Sa StartMainMode(IkeV1PeerConfig peer, IPEndPoint local, DateTimeOffset now, List<IkeAction> actions)
    {
        var phase1 = new Phase1Sa(NewCookie(), true, peer, local, new IPEndPoint(peer.RemoteAddress, IkePorts.Ike), now) { State = Phase1State.InitiatorSentSa };
        _phase1s.AddInitiated(phase1);
        var transforms = OfferedTransforms(peer);
        var sa = new SecurityAssociationPayload([new ProposalPayload(1, ProtocolId.Isakmp, [], transforms)]);
        phase1.InitiatorSaBody = sa.BodyBytes();
        var payloads = new List<IsakmpPayload> { sa };
        if (peer.NatTraversal)
        {
            payloads.Add(new VendorIdPayload(VendorIds.NatTraversalRfc3947));
            payloads.Add(new VendorIdPayload(VendorIds.NatTraversalDraft03));
            payloads.Add(new VendorIdPayload(VendorIds.NatTraversalDraft02Newline));
            payloads.Add(new VendorIdPayload(VendorIds.NatTraversalDraft02));
        }

        payloads.Add(new VendorIdPayload(VendorIds.DeadPeerDetection));
        AddKerberosVendorIds(peer.AuthenticationMethods.OfType<IkeKerberosAuthentication>().Any(), payloads);
        OfferFragmentation(payloads);
        phase1.LastSent = phase1.Send(new IsakmpMessage(phase1.Header(ExchangeType.IdentityProtection, 0), payloads).ToArray(), actions);
        phase1.Due = Scheduled(now + Backoff(0));
        Log(actions, 1, $"Main Mode started with {phase1.Remote}");
        return phase1;
    }

    private void HandleMainMode(in IsakmpHeader header, ReadOnlySpan<byte> message, IPEndPoint local, IPEndPoint remote, DateTimeOffset now, List<IkeAction> actions)
    {
        if (header.ResponderCookie == 0)
        {
            if (_phase1s.FindResponded(header.InitiatorCookie, remote.Address) is { } known)
            {
                AnswerDuplicate(known, message, actions);
                return;
            }

            RespondToSa(header, message, local, remote, now, actions);
            return;
        }

        var phase1 = _phase1s.FindByCookies(header);
        if (phase1 is null)
        {
            Counters.Dropped++;
            return;
        }

        if (phase1.State is Phase1State.InitiatorValidating or Phase1State.ResponderValidating or Phase1State.GssWaiting)
        {
            // The peer's last message waits for the host's certificate validation or GSS step: a retransmission of it waits too.
            Counters.Replays++;
            return;
        }

        if (phase1.LastReceived is not null && message.SequenceEqual(phase1.LastReceived))
        {
            AnswerDuplicate(phase1, message, actions);
            return;
        }

        switch (phase1.State)
        {
            case Phase1State.InitiatorSentSa:
                InitiatorReceiveSa(phase1, header, message, now, actions);
                break;
            case Phase1State.InitiatorSentKe:
                InitiatorReceiveKe(phase1, message, now, actions);
                break;
            case Phase1State.InitiatorSentId:
                InitiatorReceiveId(phase1, header, message, now, actions);
                break;
            case Phase1State.ResponderSentSa:
                ResponderReceiveKe(phase1, message, now, actions);
                break;
            case Phase1State.ResponderSentKe:
                ResponderReceiveId(phase1, header, message, local, remote, now, actions);
                break;
            default:
                Counters.Replays++;
                break;
        }
    }

    /// <summary>A retransmitted request: resend our last answer (initiators do not answer once established).</summary>
    private void AnswerDuplicate(Phase1Sa phase1, ReadOnlySpan<byte> message, List<IkeAction> actions)
    {
        if (phase1.LastReceived is null || !message.SequenceEqual(phase1.LastReceived) || phase1.LastSent is null
            || (phase1.IsInitiator && phase1.State == Phase1State.Established))
        {
            Counters.Replays++;
            return;
        }

        Counters.DuplicatesAnswered++;
        phase1.Resend(phase1.LastSent, actions);
    }

    private void RespondToSa(in IsakmpHeader header, ReadOnlySpan<byte> message, IPEndPoint local, IPEndPoint remote, DateTimeOffset now, List<IkeAction> actions)
    {
        if (!IsakmpMessage.TryParse(message, out var parsed, out _) || parsed!.Find<SecurityAssociationPayload>() is not { } sa)
        {
            Counters.Malformed++;
            return;
        }

        var peer = options.FindPeer(remote.Address);
        if (peer is null)
        {
            Counters.Dropped++;
            Log(actions, 2, $"Main Mode from {remote} refused: no policy for this peer");
            return;
        }

        var choice = ProposalSelection.ChooseIke(sa, peer.IkeProposals, out var refusals, OfferedMethods(peer));
        var phase1 = new Phase1Sa(header.InitiatorCookie, false, peer, local, remote, now)
        {
            CookieR = NewCookie(),
            State = Phase1State.ResponderSentSa,
            PeerAnswered = true,
        };
        if (choice is null)
        {
            SendUnprotectedNotify(phase1, NotifyMessageType.NoProposalChosen, actions);
            Counters.NegotiationFailures++;
            Log(actions, 3, $"Main Mode from {remote} refused, no acceptable IKE proposal: {refusals}");
            actions.Add(new IkeAuditEvent(IkeAuditKind.NegotiationFailed, remote.Address, NotifyMessageType.NoProposalChosen, true,
                $"Main Mode: no acceptable IKE proposal ({refusals})", Mismatch: refusals.Closest));
            phase1.Dispose();
            return;
        }

        phase1.Chosen = choice.Offer;
        ChooseAuthentication(phase1, choice.Authentication);
        phase1.InitiatorSaBody = sa.BodyBytes();
        ReadVendorIds(phase1, parsed.Payloads);
        ReadFragmentationVendorId(phase1, parsed.Payloads);
        var admitted = _phase1s.EnterHalfOpen(phase1, out var evicted);
        Counters.HalfOpenEvicted += evicted;
        if (!admitted)
        {
            Counters.HalfOpenRefused++;
            phase1.Dispose();
            return;
        }

        _phase1s.AddResponded(phase1);

        var reply = new List<IsakmpPayload> { new SecurityAssociationPayload([new ProposalPayload(choice.Proposal.Number, ProtocolId.Isakmp, [], [choice.Transform])]) };
        if (phase1.NatTraversal != NatTraversalVersion.None)
        {
            reply.Add(new VendorIdPayload(phase1.NatTraversal == NatTraversalVersion.Rfc3947 ? VendorIds.NatTraversalRfc3947 : VendorIds.NatTraversalDraft02Newline));
        }

        reply.Add(new VendorIdPayload(VendorIds.DeadPeerDetection));
        AddKerberosVendorIds(phase1.Kerberos is not null, reply);
        AnswerFragmentation(phase1, reply);
        phase1.LastReceived = message.ToArray();
        phase1.LastSent = phase1.Send(new IsakmpMessage(phase1.Header(ExchangeType.IdentityProtection, 0), reply).ToArray(), actions);
        phase1.Due = Scheduled(now + options.HalfOpenTimeout);
    }

    private void InitiatorReceiveSa(Phase1Sa phase1, in IsakmpHeader header, ReadOnlySpan<byte> message, DateTimeOffset now, List<IkeAction> actions)
    {
        if (!IsakmpMessage.TryParse(message, out var parsed, out _) || parsed!.Find<SecurityAssociationPayload>() is not { } sa)
        {
            Counters.Malformed++;
            return;
        }

        // The responder must return exactly one of our transforms.
        if (sa.Proposals is not [{ Transforms: [var transform] }]
            || !ProposalSelection.TryMatchIke(transform, phase1.Peer.IkeProposals, out var chosen, methods: OfferedMethods(phase1.Peer))
            || !ProposalCodec.TryReadIke(transform, out var attributes, out _))
        {
            phase1.PeerAnswered = true;
            Fail(phase1, NotifyMessageType.BadProposalSyntax, "responder chose a transform we did not offer", actions);
            return;
        }

        phase1.CookieR = header.ResponderCookie;
        phase1.PeerAnswered = true;
        phase1.Chosen = chosen;
        ChooseAuthentication(phase1, (IkeAuthenticationMethod)attributes.AuthenticationMethod);
        ReadVendorIds(phase1, parsed.Payloads);
        ReadFragmentationVendorId(phase1, parsed.Payloads);
        phase1.Prf = new IkePrf(chosen!.Hash);
        phase1.Dh = DiffieHellmanFactory.Create(chosen.Group);
        phase1.PublicI = phase1.Dh.PublicValue.ToArray();
        phase1.NonceI = RandomNumberGenerator.GetBytes(NonceLength);
        if (phase1.Kerberos is not null)
        {
            RequestInitiatorToken(phase1, message, now, actions);
            return;
        }

        var payloads = new List<IsakmpPayload> { new KeyExchangePayload(phase1.PublicI), new NoncePayload(phase1.NonceI) };
        AddCertificateRequests(phase1, payloads);
        AddNatDiscovery(phase1, payloads);
        phase1.State = Phase1State.InitiatorSentKe;
        NextRequest(phase1, message, new IsakmpMessage(phase1.Header(ExchangeType.IdentityProtection, 0), payloads).ToArray(), now, actions);
    }

    private void ResponderReceiveKe(Phase1Sa phase1, ReadOnlySpan<byte> message, DateTimeOffset now, List<IkeAction> actions)
    {
        if (!IsakmpMessage.TryParse(message, out var parsed, out _)
            || parsed!.Find<KeyExchangePayload>() is not { } ke || parsed.Find<NoncePayload>() is not { } nonce
            || nonce.Data.Length is < 8 or > 256)
        {
            Counters.Malformed++;
            return;
        }

        if (!_phase1s.ProveHalfOpen(phase1))
        {
            Counters.HalfOpenRefused++;
            return;
        }

        phase1.Dh = DiffieHellmanFactory.Create(phase1.Chosen!.Group);
        if (!phase1.Dh.TryComputeSharedSecret(ke.Data, out var sharedSecret))
        {
            Counters.Malformed++;
            SendUnprotectedNotify(phase1, NotifyMessageType.InvalidKeyInformation, actions);
            Fail(phase1, NotifyMessageType.InvalidKeyInformation, "invalid DH public value", actions);
            return;
        }

        phase1.Prf = new IkePrf(phase1.Chosen.Hash);
        phase1.PublicI = ke.Data.ToArray();
        phase1.PublicR = phase1.Dh.PublicValue.ToArray();
        phase1.NonceI = nonce.Data.ToArray();
        phase1.NonceR = RandomNumberGenerator.GetBytes(NonceLength);
        phase1.PeerRequestedAuthorities = PeerCertificates.RequestedAuthorities(parsed.Payloads);
        DetectNat(phase1, parsed.Payloads);
        DeriveKeys(phase1, sharedSecret);
        if (phase1.Kerberos is not null)
        {
            RequestAcceptorToken(phase1, parsed.Payloads, message, now, actions);
            return;
        }

        var payloads = new List<IsakmpPayload> { new KeyExchangePayload(phase1.PublicR), new NoncePayload(phase1.NonceR) };
        AddCertificateRequests(phase1, payloads);
        AddNatDiscovery(phase1, payloads);
        phase1.State = Phase1State.ResponderSentKe;
        phase1.LastReceived = message.ToArray();
        phase1.LastSent = phase1.Send(new IsakmpMessage(phase1.Header(ExchangeType.IdentityProtection, 0), payloads).ToArray(), actions);
    }

    private void InitiatorReceiveKe(Phase1Sa phase1, ReadOnlySpan<byte> message, DateTimeOffset now, List<IkeAction> actions)
    {
        if (!IsakmpMessage.TryParse(message, out var parsed, out _)
            || parsed!.Find<KeyExchangePayload>() is not { } ke || parsed.Find<NoncePayload>() is not { } nonce
            || nonce.Data.Length is < 8 or > 256)
        {
            Counters.Malformed++;
            return;
        }

        if (!phase1.Dh!.TryComputeSharedSecret(ke.Data, out var sharedSecret))
        {
            Counters.Malformed++;
            Fail(phase1, NotifyMessageType.InvalidKeyInformation, "invalid DH public value", actions);
            return;
        }

        phase1.PublicR = ke.Data.ToArray();
        phase1.NonceR = nonce.Data.ToArray();
        phase1.PeerRequestedAuthorities = PeerCertificates.RequestedAuthorities(parsed.Payloads);
        DetectNat(phase1, parsed.Payloads);
        DeriveKeys(phase1, sharedSecret);
        if (phase1.UdpEncapsulation)
        {
            // RFC 3947 §4: with a NAT in between, the initiator moves to port 4500 from MM5 on.
            phase1.Local = new IPEndPoint(phase1.Local.Address, IkePorts.NatTraversal);
            phase1.Remote = new IPEndPoint(phase1.Remote.Address, IkePorts.NatTraversal);
        }

        if (phase1.Kerberos is not null)
        {
            RequestInitiatorFinish(phase1, parsed.Payloads, message, now, actions);
            return;
        }

        List<IsakmpPayload> payloads;
        if (phase1.Certificates is null)
        {
            var id = (phase1.Peer.LocalIdentity ?? IkeIdentity.Address(phase1.Local.Address)).ToPayload();
            var hashI = IkeV1KeyDerivation.HashI(phase1.Prf!, phase1.Skeyid, phase1.PublicI, phase1.PublicR, phase1.CookieI, phase1.CookieR, phase1.InitiatorSaBody, id.BodyBytes());
            payloads = [id, new HashPayload(hashI)];
        }
        else if (!TryBuildSignedIdentity(phase1, out payloads, out var failure))
        {
            Fail(phase1, null, failure, actions);
            return;
        }

        if (!_contacted.Contains(phase1.Remote.Address))
        {
            payloads.Add(new NotificationPayload(ProtocolId.Isakmp, NotifyMessageType.InitialContact, phase1.CookieBytes(), []));
        }

        var iv = phase1.Iv;
        var request = phase1.Encrypt(phase1.Header(ExchangeType.IdentityProtection, 0), payloads, ref iv);
        phase1.Iv = iv;
        phase1.State = Phase1State.InitiatorSentId;
        NextRequest(phase1, message, request, now, actions);
    }

    private void ResponderReceiveId(Phase1Sa phase1, in IsakmpHeader header, ReadOnlySpan<byte> message, IPEndPoint local, IPEndPoint remote, DateTimeOffset now, List<IkeAction> actions)
    {
        if (phase1.Certificates is not null)
        {
            ResponderReceiveSignedId(phase1, header, message, local, remote, now, actions);
            return;
        }

        if (phase1.Kerberos is not null)
        {
            ResponderReceiveKerberosId(phase1, header, message, local, remote, now, actions);
            return;
        }

        if (!TryDecrypt(phase1, header, message, phase1.Iv, out var payloads, out _, out var nextIv)
            || Find<IdentificationPayload>(payloads) is not { } id || Find<HashPayload>(payloads) is not { } hash)
        {
            // With a wrong pre-shared key the encryption keys differ and MM5 decrypts to garbage.
            AuthenticationFailed(phase1, "could not decrypt or parse MM5 (pre-shared key mismatch?)", actions);
            return;
        }

        var expected = IkeV1KeyDerivation.HashI(phase1.Prf!, phase1.Skeyid, phase1.PublicI, phase1.PublicR, phase1.CookieI, phase1.CookieR, phase1.InitiatorSaBody, id.BodyBytes());
        if (!CryptographicOperations.FixedTimeEquals(expected, hash.Data) || (phase1.Peer.RemoteIdentity is { } required && !required.Matches(id)))
        {
            AuthenticationFailed(phase1, "HASH_I or identity did not verify", actions);
            return;
        }

        phase1.PeerIdentity = PeerCertificates.Describe(id);
        phase1.Iv = nextIv;
        phase1.Local = local;
        phase1.Remote = remote;
        if (payloads.OfType<NotificationPayload>().Any(n => n.NotifyType == NotifyMessageType.InitialContact))
        {
            ForgetOtherSas(phase1, actions);
        }

        var myId = (phase1.Peer.LocalIdentity ?? IkeIdentity.Address(phase1.Local.Address)).ToPayload();
        var hashR = IkeV1KeyDerivation.HashR(phase1.Prf!, phase1.Skeyid, phase1.PublicI, phase1.PublicR, phase1.CookieI, phase1.CookieR, phase1.InitiatorSaBody, myId.BodyBytes());
        var iv = phase1.Iv;
        var reply = phase1.Encrypt(phase1.Header(ExchangeType.IdentityProtection, 0), [myId, new HashPayload(hashR)], ref iv);
        phase1.Iv = iv;
        phase1.LastReceived = message.ToArray();
        phase1.LastSent = phase1.Send(reply, actions);
        Established(phase1, now, actions);
    }

    private void InitiatorReceiveId(Phase1Sa phase1, in IsakmpHeader header, ReadOnlySpan<byte> message, DateTimeOffset now, List<IkeAction> actions)
    {
        if (phase1.Certificates is not null)
        {
            InitiatorReceiveSignedId(phase1, header, message, now, actions);
            return;
        }

        if (phase1.Kerberos is not null)
        {
            InitiatorReceiveKerberosId(phase1, header, message, now, actions);
            return;
        }

        if (!TryDecrypt(phase1, header, message, phase1.Iv, out var payloads, out _, out var nextIv)
            || Find<IdentificationPayload>(payloads) is not { } id || Find<HashPayload>(payloads) is not { } hash)
        {
            return;
        }

        var expected = IkeV1KeyDerivation.HashR(phase1.Prf!, phase1.Skeyid, phase1.PublicI, phase1.PublicR, phase1.CookieI, phase1.CookieR, phase1.InitiatorSaBody, id.BodyBytes());
        if (!CryptographicOperations.FixedTimeEquals(expected, hash.Data) || (phase1.Peer.RemoteIdentity is { } required && !required.Matches(id)))
        {
            Fail(phase1, NotifyMessageType.AuthenticationFailed, "HASH_R or identity did not verify", actions);
            return;
        }

        phase1.PeerIdentity = PeerCertificates.Describe(id);
        phase1.Iv = nextIv;
        phase1.LastReceived = message.ToArray();
        Established(phase1, now, actions);
    }

    private void AuthenticationFailed(Phase1Sa phase1, string detail, List<IkeAction> actions)
    {
        SendUnprotectedNotify(phase1, NotifyMessageType.AuthenticationFailed, actions);
        Fail(phase1, NotifyMessageType.AuthenticationFailed, detail, actions);
    }

    private void Established(Phase1Sa phase1, DateTimeOffset now, List<IkeAction> actions)
    {
        phase1.State = Phase1State.Established;
        phase1.Retransmits = 0;
        StartLiveness(phase1, now);
        phase1.Due = phase1.Expires is { } expires ? Scheduled(expires) : null;
        phase1.Dh?.Dispose();
        phase1.Dh = null;
        ReleaseGss(phase1, actions);
        _phase1s.LeaveHalfOpen(phase1);
        _contacted.Add(phase1.Remote.Address);
        Counters.MainModes++;
        var chosen = phase1.Chosen!;
        actions.Add(new IkeAuditEvent(IkeAuditKind.MainModeEstablished, phase1.Remote.Address, null, true,
            $"Main Mode {(phase1.IsInitiator ? "initiator" : "responder")} {AlgorithmCatalog.DisplayName(chosen.Cipher)}/{AlgorithmCatalog.DisplayName(chosen.Hash)}/{AlgorithmCatalog.Name(chosen.Group)}{(phase1.UdpEncapsulation ? " NAT-T" : "")}, {AuthenticationName(phase1.AuthenticationMethod)}, peer {phase1.PeerIdentity}")
        {
            PeerIdentity = phase1.PeerIdentity,
            Authentication = phase1.AuthenticationMethod,
        });
        foreach (var pending in phase1.Pending)
        {
            StartQuickMode(phase1, pending.Selector, pending.Policy, now, actions);
        }

        phase1.Pending.Clear();
    }

    /// <summary>Sends the next request of our exchange and restarts its retransmission schedule.</summary>
    private void NextRequest(Phase1Sa phase1, ReadOnlySpan<byte> received, byte[] request, DateTimeOffset now, List<IkeAction> actions)
    {
        phase1.LastReceived = received.ToArray();
        phase1.LastSent = phase1.Send(request, actions);
        phase1.Retransmits = 0;
        phase1.Due = Scheduled(now + Backoff(0));
    }

    private static void DeriveKeys(Phase1Sa phase1, byte[] sharedSecret)
    {
        var prf = phase1.Prf!;
        phase1.Skeyid = phase1.Certificates is null && phase1.Kerberos is null
            ? IkeV1KeyDerivation.SkeyidPreSharedKey(prf, phase1.Peer.PreSharedKey, phase1.NonceI, phase1.NonceR)
            : IkeV1KeyDerivation.SkeyidSignature(prf, phase1.NonceI, phase1.NonceR, sharedSecret);
        var (d, a, e) = IkeV1KeyDerivation.SkeyidChildren(prf, phase1.Skeyid, sharedSecret, phase1.CookieI, phase1.CookieR);
        phase1.SkeyidD = d;
        phase1.SkeyidA = a;
        var key = IkeV1KeyDerivation.EncryptionKey(prf, e, AlgorithmCatalog.KeyLength(phase1.Chosen!.Cipher));
        phase1.Cipher = new IkeCbcCipher(phase1.Chosen.Cipher, key);
        phase1.Iv = IkeV1KeyDerivation.InitialIv(prf, phase1.PublicI, phase1.PublicR, phase1.Cipher.BlockSize);
        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(e);
        CryptographicOperations.ZeroMemory(sharedSecret);
    }

    private static void ReadVendorIds(Phase1Sa phase1, IEnumerable<IsakmpPayload> payloads)
    {
        foreach (var vendorId in payloads.OfType<VendorIdPayload>())
        {
            var data = vendorId.Data;
            if (phase1.Peer.NatTraversal && data.SequenceEqual(VendorIds.NatTraversalRfc3947))
            {
                phase1.NatTraversal = NatTraversalVersion.Rfc3947;
            }
            else if (phase1.Peer.NatTraversal && phase1.NatTraversal == NatTraversalVersion.None
                && (data.SequenceEqual(VendorIds.NatTraversalDraft02) || data.SequenceEqual(VendorIds.NatTraversalDraft02Newline) || data.SequenceEqual(VendorIds.NatTraversalDraft03)))
            {
                phase1.NatTraversal = NatTraversalVersion.Draft;
            }
            else if (data.SequenceEqual(VendorIds.DeadPeerDetection))
            {
                phase1.PeerSupportsDpd = true;
            }
        }
    }

    /// <summary>CERTREQs after the nonce of MM3 and MM4 when a signature method was chosen.</summary>
    private static void AddCertificateRequests(Phase1Sa phase1, List<IsakmpPayload> payloads)
    {
        if (phase1.Certificates is { } certificates)
        {
            payloads.AddRange(PeerCertificates.Requests(certificates));
        }
    }

    /// <summary>How audits, traces and the monitor name an authentication method.</summary>
    internal static string AuthenticationName(IkeAuthenticationMethod method) => method switch
    {
        IkeAuthenticationMethod.PreSharedKey => "pre-shared key",
        IkeAuthenticationMethod.RsaSignatures => "RSA signature",
        IkeAuthenticationMethod.EcdsaSha256 => "ECDSA-256 signature",
        IkeAuthenticationMethod.EcdsaSha384 => "ECDSA-384 signature",
        IkeAuthenticationMethod.EcdsaSha512 => "ECDSA-521 signature",
        IkeAuthenticationMethod.GssApiKerberos => "Kerberos",
        _ => method.ToString(),
    };

    /// <summary>NAT-D: the peer's view of the destination (us) first, then of its source (RFC 3947 §3.2).</summary>
    private static void AddNatDiscovery(Phase1Sa phase1, List<IsakmpPayload> payloads)
    {
        if (phase1.NatTraversal == NatTraversalVersion.None)
        {
            return;
        }

        var prf = phase1.Prf!;
        payloads.Add(new NatDiscoveryPayload(IkeV1KeyDerivation.NatDiscoveryHash(prf, phase1.CookieI, phase1.CookieR, phase1.Remote), phase1.NatDiscoveryType));
        var localHash = phase1.Peer.ForceUdpEncapsulation
            ? RandomNumberGenerator.GetBytes(prf.OutputLength) // a hash that cannot match makes the peer see a NAT
            : IkeV1KeyDerivation.NatDiscoveryHash(prf, phase1.CookieI, phase1.CookieR, phase1.Local);
        payloads.Add(new NatDiscoveryPayload(localHash, phase1.NatDiscoveryType));
    }

    private static void DetectNat(Phase1Sa phase1, IReadOnlyList<IsakmpPayload> payloads)
    {
        if (phase1.NatTraversal == NatTraversalVersion.None)
        {
            return;
        }

        var natD = payloads.OfType<NatDiscoveryPayload>().ToList();
        if (natD.Count < 2)
        {
            return;
        }

        var prf = phase1.Prf!;
        var us = IkeV1KeyDerivation.NatDiscoveryHash(prf, phase1.CookieI, phase1.CookieR, phase1.Local);
        var them = IkeV1KeyDerivation.NatDiscoveryHash(prf, phase1.CookieI, phase1.CookieR, phase1.Remote);
        var weAreNatted = !natD[0].Data.SequenceEqual(us);
        var theyAreNatted = !natD.Skip(1).Any(n => n.Data.SequenceEqual(them));
        phase1.UdpEncapsulation = weAreNatted || theyAreNatted || phase1.Peer.ForceUdpEncapsulation;
    }

    /// <summary>
    /// INITIAL-CONTACT: the peer has no other SA with us, so every older SA between the same two addresses is stale
    /// (RFC 2407 §4.6.3.3). Its SAs with another of our addresses stay: to the peer that was another host.
    /// </summary>
    private void ForgetOtherSas(Phase1Sa current, List<IkeAction> actions)
    {
        foreach (var old in _phase1s.All.Where(p => p != current && p.State == Phase1State.Established
            && p.Remote.Address.Equals(current.Remote.Address) && p.Local.Address.Equals(current.Local.Address)).ToList())
        {
            foreach (var installed in old.Installed)
            {
                actions.Add(new DeleteIpsecSa(installed.Protocol, installed.InboundSpi, installed.OutboundSpi, old.Remote.Address));
            }

            Remove(old);
        }
    }

    private static void SendUnprotectedNotify(Phase1Sa phase1, NotifyMessageType type, List<IkeAction> actions)
    {
        var notify = new NotificationPayload(ProtocolId.Isakmp, type, phase1.CookieBytes(), []);
        phase1.Send(new IsakmpMessage(phase1.Header(ExchangeType.Informational, NewMessageId()), [notify]).ToArray(), actions);
    }
}
