using System.Buffers.Binary;
using System.Security.Cryptography;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.Ike.Crypto;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>Quick Mode (RFC 2409 §5.5): proxy identities, optional PFS, RESPONDER-LIFETIME (RFC 2407 §4.6.3.1); no commit bit.</summary>
public sealed partial class IkeV1Engine
{
    private const int RememberedMessageIds = 256;

    private void StartQuickMode(Phase1Sa phase1, ProxyIdentities selector, QuickModePolicy policy, DateTimeOffset now, List<IkeAction> actions)
    {
        if (phase1.QuickModes.Values.Any(q => q.IsInitiator && q.State == QuickModeState.InitiatorSentSa && q.Selector == selector))
        {
            return;
        }

        phase1.QuickModesStarted++;
        var messageId = NewMessageId();
        var prf = phase1.Prf!;
        var exchange = new QuickModeExchange(messageId, true, selector, policy)
        {
            InboundSpi = NewInboundSpi(),
            Iv = IkeV1KeyDerivation.Phase2Iv(prf, phase1.Iv, messageId, phase1.Cipher!.BlockSize),
            NonceI = RandomNumberGenerator.GetBytes(NonceLength),
        };
        var mode = ProposalCodec.Encapsulation(policy.Mode, phase1.NatTraversal, phase1.UdpEncapsulation);
        var spi = SpiBytes(exchange.InboundSpi);
        var proposals = policy.Proposals
            .Select((p, i) => new ProposalPayload((byte)(i + 1), ProposalCodec.ToProtocolId(p.Protocol), spi, [ProposalCodec.EncodeIpsec(p, policy.PfsGroup, mode)]))
            .ToArray();
        var payloads = new List<IsakmpPayload> { new HashPayload(new byte[prf.OutputLength]), new SecurityAssociationPayload(proposals), new NoncePayload(exchange.NonceI) };
        if (policy.PfsGroup != DhGroup.None)
        {
            exchange.Dh = DiffieHellmanFactory.Create(policy.PfsGroup);
            payloads.Add(new KeyExchangePayload(exchange.Dh.PublicValue));
        }

        payloads.Add(selector.Local.ToPayload());
        payloads.Add(selector.Remote.ToPayload());
        var iv = exchange.Iv;
        var message = phase1.Protect(phase1.Header(ExchangeType.QuickMode, messageId), payloads, rest => IkeV1KeyDerivation.QuickModeHash1(prf, phase1.SkeyidA, messageId, rest), ref iv);
        exchange.Iv = iv;
        phase1.QuickModes[messageId] = exchange;
        Remember(phase1, messageId);
        exchange.LastSent = phase1.Send(message, actions);
        exchange.Due = Scheduled(now + Backoff(0));
    }

    private void HandleQuickMode(in IsakmpHeader header, ReadOnlySpan<byte> message, DateTimeOffset now, List<IkeAction> actions)
    {
        var phase1 = _phase1s.FindByCookies(header);
        if (phase1 is not { State: Phase1State.Established } || header.MessageId == 0)
        {
            Counters.Dropped++;
            return;
        }

        if (!phase1.QuickModes.TryGetValue(header.MessageId, out var exchange))
        {
            if (phase1.SeenMessageIds.Contains(header.MessageId))
            {
                Counters.Replays++;
                return;
            }

            RespondToQuickMode(phase1, header, message, now, actions);
            return;
        }

        if (exchange.LastReceived is not null && message.SequenceEqual(exchange.LastReceived))
        {
            if (exchange.LastSent is null)
            {
                Counters.Replays++;
                return;
            }

            Counters.DuplicatesAnswered++;
            phase1.Resend(exchange.LastSent, actions);
            return;
        }

        switch (exchange.State)
        {
            case QuickModeState.InitiatorSentSa:
                InitiatorReceiveQuickModeSa(phase1, exchange, header, message, now, actions);
                break;
            case QuickModeState.ResponderSentSa:
                ResponderReceiveHash3(phase1, exchange, header, message, now, actions);
                break;
            default:
                Counters.Replays++;
                break;
        }
    }

    private void RespondToQuickMode(Phase1Sa phase1, in IsakmpHeader header, ReadOnlySpan<byte> message, DateTimeOffset now, List<IkeAction> actions)
    {
        var messageId = header.MessageId;
        var prf = phase1.Prf!;
        var iv = IkeV1KeyDerivation.Phase2Iv(prf, phase1.Iv, messageId, phase1.Cipher!.BlockSize);
        if (!TryDecryptHashed(phase1, header, message, iv, out var payloads, out var rest, out var hash, out var nextIv)
            || !CryptographicOperations.FixedTimeEquals(hash, IkeV1KeyDerivation.QuickModeHash1(prf, phase1.SkeyidA, messageId, rest)))
        {
            Counters.Malformed++;
            return;
        }

        Remember(phase1, messageId);
        ProofOfLife(phase1, now, actions);
        var ids = payloads.OfType<IdentificationPayload>().ToList();
        if (Find<SecurityAssociationPayload>(payloads) is not { } sa || Find<NoncePayload>(payloads) is not { } nonce || ids.Count is not (0 or 2))
        {
            Counters.Malformed++;
            return;
        }

        ProxyIdentities selector;
        if (ids.Count == 2)
        {
            if (!ProxyIdentity.TryFromPayload(ids[0], out var initiatorSide) || !ProxyIdentity.TryFromPayload(ids[1], out var responderSide))
            {
                QuickModeRefused(phase1, NotifyMessageType.InvalidIdInformation, null, actions, "identities unreadable");
                return;
            }

            selector = new ProxyIdentities(responderSide!, initiatorSide!);
        }
        else
        {
            selector = new ProxyIdentities(ProxyIdentity.Host(phase1.Local.Address), ProxyIdentity.Host(phase1.Remote.Address));
        }

        var policy = options.FindQuickMode(phase1.Peer, selector);
        if (policy is null)
        {
            QuickModeRefused(phase1, NotifyMessageType.NoProposalChosen, selector, actions, "no filter of the policy covers these identities",
                new ProposalMismatch(IkeNegotiationMode.QuickMode, "Identities", "traffic a Negotiate filter covers", $"{selector.Local.Network}/{selector.Local.PrefixLength} to {selector.Remote.Network}/{selector.Remote.PrefixLength}"));
            return;
        }

        if (ProposalSelection.ChooseIpsec(sa, policy, phase1.UdpEncapsulation, out var refusals) is not { } choice)
        {
            QuickModeRefused(phase1, NotifyMessageType.NoProposalChosen, selector, actions, $"no acceptable proposal ({refusals})", refusals.Closest);
            return;
        }

        var (chosenProposal, chosenTransform, offer, ours) = choice;

        var ke = Find<KeyExchangePayload>(payloads);
        var exchange = new QuickModeExchange(messageId, false, selector, policy)
        {
            OutboundSpi = BinaryPrimitives.ReadUInt32BigEndian(chosenProposal.Spi),
            NonceI = nonce.Data.ToArray(),
            NonceR = RandomNumberGenerator.GetBytes(NonceLength),
            SendIdentities = ids.Count == 2,
        };
        if (offer.PfsGroup != DhGroup.None)
        {
            exchange.Dh = DiffieHellmanFactory.Create(offer.PfsGroup);
            if (ke is null || !exchange.Dh.TryComputeSharedSecret(ke.Data, out var pfsSecret))
            {
                exchange.Dispose();
                Counters.Malformed++;
                QuickModeRefused(phase1, NotifyMessageType.InvalidKeyInformation, selector, actions, "invalid PFS public value");
                return;
            }

            exchange.PfsSecret = pfsSecret;
        }

        exchange.InboundSpi = NewInboundSpi();
        var reply = new List<IsakmpPayload>
        {
            new HashPayload(new byte[prf.OutputLength]),
            new SecurityAssociationPayload([new ProposalPayload(chosenProposal.Number, chosenProposal.Protocol, SpiBytes(exchange.InboundSpi), [chosenTransform])]),
            new NoncePayload(exchange.NonceR),
        };
        if (exchange.Dh is not null)
        {
            reply.Add(new KeyExchangePayload(exchange.Dh.PublicValue));
        }

        if (exchange.SendIdentities)
        {
            reply.Add(ids[0]);
            reply.Add(ids[1]);
        }

        // RESPONDER-LIFETIME: we accept the initiator's proposal but keep our shorter lifetimes (RFC 2407 §4.6.3.1).
        var seconds = LifetimeLimits.Seconds(offer.Proposal.LifetimeSeconds, ours.LifetimeSeconds);
        var kilobytes = LifetimeLimits.Kilobytes(offer.Proposal.LifetimeKilobytes, ours.LifetimeKilobytes);
        if (seconds != offer.Proposal.LifetimeSeconds || kilobytes != offer.Proposal.LifetimeKilobytes)
        {
            var attributes = new List<DataAttribute>
            {
                DataAttribute.Basic((ushort)IpsecAttributeType.SaLifeType, (ushort)LifeType.Seconds),
                DataAttribute.Number((ushort)IpsecAttributeType.SaLifeDuration, (ulong)seconds),
            };
            if (kilobytes > 0)
            {
                attributes.Add(DataAttribute.Basic((ushort)IpsecAttributeType.SaLifeType, (ushort)LifeType.Kilobytes));
                attributes.Add(DataAttribute.Number((ushort)IpsecAttributeType.SaLifeDuration, (ulong)kilobytes));
            }

            var data = new byte[attributes.Sum(a => a.Length)];
            var offset = 0;
            foreach (var attribute in attributes)
            {
                offset += attribute.Write(data.AsSpan(offset));
            }

            reply.Add(new NotificationPayload(chosenProposal.Protocol, NotifyMessageType.ResponderLifetime, chosenProposal.Spi, data));
        }

        exchange.Chosen = offer with { Proposal = offer.Proposal with { LifetimeSeconds = seconds, LifetimeKilobytes = kilobytes } };
        var chainIv = nextIv;
        var nonceI = exchange.NonceI;
        var replyMessage = phase1.Protect(phase1.Header(ExchangeType.QuickMode, messageId), reply, r => IkeV1KeyDerivation.QuickModeHash2(prf, phase1.SkeyidA, messageId, nonceI, r), ref chainIv);
        exchange.Iv = chainIv;
        exchange.State = QuickModeState.ResponderSentSa;
        exchange.LastReceived = message.ToArray();
        exchange.LastSent = phase1.Send(replyMessage, actions);
        exchange.Due = Scheduled(now + Backoff(0));
        phase1.QuickModes[messageId] = exchange;
        actions.Add(new InstallInboundIpsecSa(SaSpec(phase1, exchange, exchange.InboundSpi, inbound: true)));
    }

    private void InitiatorReceiveQuickModeSa(Phase1Sa phase1, QuickModeExchange exchange, in IsakmpHeader header, ReadOnlySpan<byte> message, DateTimeOffset now, List<IkeAction> actions)
    {
        var prf = phase1.Prf!;
        if (!TryDecryptHashed(phase1, header, message, exchange.Iv, out var payloads, out var rest, out var hash, out var nextIv)
            || !CryptographicOperations.FixedTimeEquals(hash, IkeV1KeyDerivation.QuickModeHash2(prf, phase1.SkeyidA, exchange.MessageId, exchange.NonceI, rest)))
        {
            Counters.Malformed++;
            return;
        }

        ProofOfLife(phase1, now, actions);
        if (Find<SecurityAssociationPayload>(payloads) is not { Proposals: [{ Transforms: [var transform] } proposal] }
            || proposal.Spi.Length != 4 || Find<NoncePayload>(payloads) is not { } nonce
            || !ProposalSelection.TryMatchIpsec(proposal, transform, exchange.Policy, phase1.UdpEncapsulation, out var offer, out var ours)
            || offer!.PfsGroup != exchange.Policy.PfsGroup)
        {
            FailQuickMode(phase1, exchange, NotifyMessageType.BadProposalSyntax, "responder answered with a proposal we did not make", actions);
            return;
        }

        if (exchange.Dh is not null)
        {
            if (Find<KeyExchangePayload>(payloads) is not { } ke || !exchange.Dh.TryComputeSharedSecret(ke.Data, out var pfsSecret))
            {
                FailQuickMode(phase1, exchange, NotifyMessageType.InvalidKeyInformation, "invalid PFS public value", actions);
                return;
            }

            exchange.PfsSecret = pfsSecret;
        }

        // The responder's transform and RESPONDER-LIFETIME may only shorten what we proposed.
        var proposalLifetime = LifetimeLimits.Clamp(offer.Proposal, ours!);
        foreach (var notify in payloads.OfType<NotificationPayload>().Where(n => n.NotifyType == NotifyMessageType.ResponderLifetime))
        {
            proposalLifetime = ApplyResponderLifetime(proposalLifetime, notify.Data);
        }

        exchange.Chosen = offer with { Proposal = proposalLifetime };
        exchange.OutboundSpi = BinaryPrimitives.ReadUInt32BigEndian(proposal.Spi);
        exchange.NonceR = nonce.Data.ToArray();
        exchange.Iv = nextIv;
        var hash3 = IkeV1KeyDerivation.QuickModeHash3(prf, phase1.SkeyidA, exchange.MessageId, exchange.NonceI, exchange.NonceR);
        var iv = exchange.Iv;
        var reply = phase1.Encrypt(phase1.Header(ExchangeType.QuickMode, exchange.MessageId), [new HashPayload(hash3)], ref iv);
        exchange.Iv = iv;
        exchange.State = QuickModeState.Completed;
        exchange.LastReceived = message.ToArray();
        exchange.LastSent = phase1.Send(reply, actions);
        exchange.Due = Scheduled(now + options.CompletedExchangeLinger);
        InstallSa(phase1, exchange, actions);
    }

    private void ResponderReceiveHash3(Phase1Sa phase1, QuickModeExchange exchange, in IsakmpHeader header, ReadOnlySpan<byte> message, DateTimeOffset now, List<IkeAction> actions)
    {
        var prf = phase1.Prf!;
        if (!TryDecryptHashed(phase1, header, message, exchange.Iv, out var payloads, out _, out var hash, out var nextIv)
            || payloads.Count != 1
            || !CryptographicOperations.FixedTimeEquals(hash, IkeV1KeyDerivation.QuickModeHash3(prf, phase1.SkeyidA, exchange.MessageId, exchange.NonceI, exchange.NonceR)))
        {
            Counters.Malformed++;
            return;
        }

        ProofOfLife(phase1, now, actions);
        exchange.Iv = nextIv;
        exchange.State = QuickModeState.Completed;
        exchange.LastReceived = message.ToArray();
        exchange.LastSent = null;
        exchange.Due = Scheduled(now + options.CompletedExchangeLinger);
        InstallSa(phase1, exchange, actions);
    }

    private void QuickModeTimer(Phase1Sa phase1, QuickModeExchange exchange, DateTimeOffset now, List<IkeAction> actions)
    {
        if (exchange.State == QuickModeState.Completed)
        {
            phase1.QuickModes.Remove(exchange.MessageId);
            exchange.Dispose();
            return;
        }

        if (exchange.Retransmits >= options.MaxRetransmits || exchange.LastSent is null)
        {
            FailQuickMode(phase1, exchange, null, "peer did not answer Quick Mode", actions);
            return;
        }

        exchange.Retransmits++;
        Counters.Retransmits++;
        phase1.Resend(exchange.LastSent, actions);
        exchange.Due = Scheduled(now + Backoff(exchange.Retransmits));
    }

    private static IpsecProposal ApplyResponderLifetime(IpsecProposal proposal, ReadOnlySpan<byte> attributes)
    {
        var lifeType = LifeType.Seconds;
        while (DataAttribute.TryParse(attributes, out var attribute, out var consumed))
        {
            attributes = attributes[consumed..];
            if (!attribute!.TryGetNumber(out var value))
            {
                continue;
            }

            if (attribute.Type == (ushort)IpsecAttributeType.SaLifeType)
            {
                lifeType = (LifeType)value;
            }
            else if (attribute.Type == (ushort)IpsecAttributeType.SaLifeDuration && value <= int.MaxValue)
            {
                proposal = lifeType == LifeType.Seconds
                    ? proposal with { LifetimeSeconds = LifetimeLimits.Seconds((long)value, proposal.LifetimeSeconds) }
                    : proposal with { LifetimeKilobytes = LifetimeLimits.Kilobytes((long)value, proposal.LifetimeKilobytes) };
            }
        }

        return proposal;
    }

    /// <summary>One direction of the negotiated SA with its KEYMAT (RFC 2409 §5.5).</summary>
    private static IpsecSaSpec SaSpec(Phase1Sa phase1, QuickModeExchange exchange, uint spi, bool inbound)
    {
        var offer = exchange.Chosen!;
        var proposal = offer.Proposal;
        var encryptionLength = proposal.Protocol == SaProtocol.Esp ? AlgorithmCatalog.KeyMaterialLength(proposal.Cipher) : 0;
        var integrityLength = AlgorithmCatalog.HmacKeyLength(proposal.Integrity);

        // ESP: the cipher key (with the GCM salt) comes first, then the integrity key (RFC 2409 §5.5, RFC 4106 §8.1).
        var keymat = IkeV1KeyDerivation.Keymat(phase1.Prf!, phase1.SkeyidD, exchange.PfsSecret, ProposalCodec.ToProtocolId(proposal.Protocol), spi, exchange.NonceI, exchange.NonceR, encryptionLength + integrityLength);
        var spec = new IpsecSaSpec
        {
            Spi = spi,
            Protocol = proposal.Protocol,
            Cipher = proposal.Cipher,
            Integrity = proposal.Integrity,
            EncryptionKey = keymat[..encryptionLength],
            IntegrityKey = keymat[encryptionLength..],
            Mode = ProposalCodec.ModeOf(offer.Mode),
            UdpEncapsulation = ProposalCodec.IsUdpEncapsulated(offer.Mode),
            Source = inbound ? phase1.Remote : phase1.Local,
            Destination = inbound ? phase1.Local : phase1.Remote,
            Selector = exchange.Selector,
            LifetimeSeconds = proposal.LifetimeSeconds,
            LifetimeKilobytes = proposal.LifetimeKilobytes,
        };
        CryptographicOperations.ZeroMemory(keymat);
        return spec;
    }

    private void InstallSa(Phase1Sa phase1, QuickModeExchange exchange, List<IkeAction> actions)
    {
        var offer = exchange.Chosen!;
        var proposal = offer.Proposal;
        actions.Add(new InstallIpsecSa(SaSpec(phase1, exchange, exchange.InboundSpi, inbound: true), SaSpec(phase1, exchange, exchange.OutboundSpi, inbound: false)));
        CryptographicOperations.ZeroMemory(exchange.PfsSecret);
        exchange.Dh?.Dispose();
        exchange.Dh = null;
        phase1.Installed.Add(new InstalledSa(proposal.Protocol, exchange.InboundSpi, exchange.OutboundSpi, exchange.Selector));
        Counters.QuickModes++;
        var security = proposal.Protocol == SaProtocol.Esp
            ? $"ESP {AlgorithmCatalog.DisplayName(proposal.Cipher)}{(AlgorithmCatalog.IsAead(proposal.Cipher) ? "" : "/" + AlgorithmCatalog.DisplayName(proposal.Integrity))}"
            : $"AH {AlgorithmCatalog.DisplayName(proposal.Integrity)}";
        actions.Add(new IkeAuditEvent(IkeAuditKind.QuickModeEstablished, phase1.Remote.Address, null, true,
            $"Quick Mode {security} {ProposalCodec.ModeOf(offer.Mode)} SPI in {exchange.InboundSpi} out {exchange.OutboundSpi} {proposal.LifetimeSeconds}s{(offer.PfsGroup != DhGroup.None ? " PFS " + AlgorithmCatalog.Name(offer.PfsGroup) : "")}", exchange.Selector));
    }

    private void FailQuickMode(Phase1Sa phase1, QuickModeExchange exchange, NotifyMessageType? reason, string detail, List<IkeAction> actions)
    {
        Counters.NegotiationFailures++;
        phase1.QuickModes.Remove(exchange.MessageId);
        _inboundSpis.Remove(exchange.InboundSpi);
        if (exchange.State == QuickModeState.ResponderSentSa)
        {
            // The inbound SA installed with our second message will never be used.
            actions.Add(new DeleteIpsecSa(exchange.Chosen!.Proposal.Protocol, exchange.InboundSpi, 0, phase1.Remote.Address));
        }

        exchange.Dispose();

        // Our proposals were refused: only the peer knows which attribute.
        var mismatch = reason == NotifyMessageType.NoProposalChosen ? ProposalMismatch.RefusedByPeer(IkeNegotiationMode.QuickMode) : null;
        actions.Add(new IkeAuditEvent(IkeAuditKind.NegotiationFailed, phase1.Remote.Address, reason, true, $"Quick Mode: {detail}", exchange.Selector, mismatch));
    }

    private void QuickModeRefused(Phase1Sa phase1, NotifyMessageType reason, ProxyIdentities? selector, List<IkeAction> actions, string detail, ProposalMismatch? mismatch = null)
    {
        Counters.NegotiationFailures++;
        SendInformational(phase1, [new NotificationPayload(ProtocolId.IpsecEsp, reason, [], [])], actions);
        Log(actions, 31, $"Quick Mode from {phase1.Remote.Address} refused: {detail}");
        actions.Add(new IkeAuditEvent(IkeAuditKind.NegotiationFailed, phase1.Remote.Address, reason, true, $"Quick Mode refused: {detail}", selector, mismatch));
    }

    private static void Remember(Phase1Sa phase1, uint messageId)
    {
        phase1.SeenMessageIds.Enqueue(messageId);
        if (phase1.SeenMessageIds.Count > RememberedMessageIds)
        {
            phase1.SeenMessageIds.Dequeue();
        }
    }

    private static byte[] SpiBytes(uint spi)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, spi);
        return bytes;
    }
}
