using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Rampart.Ike.Crypto;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>Informational exchanges (RFC 2409 §5.7): notifications and deletes protected by HASH(1), and RFC 3706 DPD.</summary>
public sealed partial class IkeV1Engine
{
    private static void SendInformational(Phase1Sa phase1, IReadOnlyList<IsakmpPayload> payloads, List<IkeAction> actions)
    {
        if (phase1.Cipher is null || phase1.SkeyidA.Length == 0)
        {
            return;
        }

        var prf = phase1.Prf!;
        var messageId = NewMessageId();
        Remember(phase1, messageId);
        var iv = IkeV1KeyDerivation.Phase2Iv(prf, phase1.Iv, messageId, phase1.Cipher.BlockSize);
        var list = new List<IsakmpPayload> { new HashPayload(new byte[prf.OutputLength]) };
        list.AddRange(payloads);
        phase1.Send(phase1.Protect(phase1.Header(ExchangeType.Informational, messageId), list, rest => IkeV1KeyDerivation.QuickModeHash1(prf, phase1.SkeyidA, messageId, rest), ref iv), actions);
    }

    private void HandleInformational(in IsakmpHeader header, ReadOnlySpan<byte> message, IPEndPoint remote, DateTimeOffset now, List<IkeAction> actions)
    {
        var phase1 = _phase1s.FindByCookies(header);
        if (phase1 is null || !phase1.Remote.Address.Equals(remote.Address))
        {
            Counters.Dropped++;
            return;
        }

        if ((header.Flags & IsakmpFlags.Encryption) == 0)
        {
            HandleUnprotectedNotify(phase1, message, actions);
            return;
        }

        if (phase1.Cipher is null || phase1.SeenMessageIds.Contains(header.MessageId))
        {
            Counters.Replays++;
            return;
        }

        var prf = phase1.Prf!;
        var iv = IkeV1KeyDerivation.Phase2Iv(prf, phase1.Iv, header.MessageId, phase1.Cipher.BlockSize);
        if (!TryDecryptHashed(phase1, header, message, iv, out var payloads, out var rest, out var hash, out _)
            || !CryptographicOperations.FixedTimeEquals(hash, IkeV1KeyDerivation.QuickModeHash1(prf, phase1.SkeyidA, header.MessageId, rest)))
        {
            Counters.Malformed++;
            if (phase1.State == Phase1State.InitiatorSentId)
            {
                // The responder answered MM5 with a notification protected by keys that differ from ours:
                // what strongSwan does when the pre-shared keys do not match.
                Fail(phase1, NotifyMessageType.AuthenticationFailed, "peer answered MM5 with a message our keys cannot verify (pre-shared key mismatch?)", actions);
            }

            return;
        }

        Remember(phase1, header.MessageId);
        if (phase1.State == Phase1State.Established && !payloads.OfType<NotificationPayload>().Any(n => n.NotifyType == NotifyMessageType.DpdRUThereAck))
        {
            // An acknowledgement proves liveness only if it echoes our probe (AcknowledgeProbe decides).
            ProofOfLife(phase1, now, actions);
        }

        foreach (var payload in payloads)
        {
            switch (payload)
            {
                case NotificationPayload notify:
                    HandleNotify(phase1, notify, now, actions);
                    break;
                case DeletePayload delete:
                    HandleDelete(phase1, delete, actions);
                    break;
            }

            if (!_phase1s.All.Contains(phase1))
            {
                return;
            }
        }
    }

    /// <summary>Before the ISAKMP SA exists, a peer can only refuse in clear (e.g. NO-PROPOSAL-CHOSEN, AUTHENTICATION-FAILED).</summary>
    private void HandleUnprotectedNotify(Phase1Sa phase1, ReadOnlySpan<byte> message, List<IkeAction> actions)
    {
        if (phase1.State == Phase1State.Established || !IsakmpMessage.TryParse(message, out var parsed, out _)
            || parsed!.Find<NotificationPayload>() is not { } notify || (ushort)notify.NotifyType >= 8192)
        {
            Counters.Dropped++;
            return;
        }

        phase1.PeerAnswered = true;
        Fail(phase1, notify.NotifyType, $"peer sent {notify.NotifyType}", actions);
    }

    private void HandleNotify(Phase1Sa phase1, NotificationPayload notify, DateTimeOffset now, List<IkeAction> actions)
    {
        switch (notify.NotifyType)
        {
            case NotifyMessageType.DpdRUThere:
                SendInformational(phase1, [new NotificationPayload(ProtocolId.Isakmp, NotifyMessageType.DpdRUThereAck, phase1.CookieBytes(), notify.Data)], actions);
                break;
            case NotifyMessageType.DpdRUThereAck:
                AcknowledgeProbe(phase1, notify, now, actions);
                break;
            case var error when (ushort)error < 8192:
                if (phase1.State != Phase1State.Established)
                {
                    Fail(phase1, error, $"peer sent {error}", actions);
                    return;
                }

                // A refused Quick Mode: the notify names our SPI when it can; otherwise the oldest one waiting.
                var spi = notify.Spi.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(notify.Spi) : 0;
                var exchange = phase1.QuickModes.Values.FirstOrDefault(q => q.IsInitiator && q.State == QuickModeState.InitiatorSentSa && (spi == 0 || q.InboundSpi == spi));
                if (exchange is not null)
                {
                    FailQuickMode(phase1, exchange, error, $"peer sent {error}", actions);
                }

                break;
            default:
                Log(actions, 41, $"notification {notify.NotifyType} from {phase1.Remote.Address}");
                break;
        }
    }

    private void HandleDelete(Phase1Sa phase1, DeletePayload delete, List<IkeAction> actions)
    {
        if (delete.Protocol == ProtocolId.Isakmp)
        {
            Log(actions, 42, $"peer {phase1.Remote.Address} deleted the ISAKMP SA");
            actions.Add(new IkeAuditEvent(IkeAuditKind.SaDeleted, phase1.Remote.Address, null, true, "ISAKMP SA deleted by peer"));
            HandOverIpsecSas(phase1);
            Remove(phase1);
            return;
        }

        if (delete.SpiSize != 4)
        {
            Counters.Malformed++;
            return;
        }

        foreach (var spiBytes in delete.Spis)
        {
            // The peer names its inbound SPI, which is our outbound one.
            var spi = BinaryPrimitives.ReadUInt32BigEndian(spiBytes);
            var installed = phase1.Installed.Find(i => i.OutboundSpi == spi);
            if (installed is null)
            {
                continue;
            }

            phase1.Installed.Remove(installed);
            _inboundSpis.Remove(installed.InboundSpi);
            actions.Add(new DeleteIpsecSa(installed.Protocol, installed.InboundSpi, installed.OutboundSpi, phase1.Remote.Address));
            actions.Add(new IkeAuditEvent(IkeAuditKind.SaDeleted, phase1.Remote.Address, null, true, $"peer deleted SPI {spi}", installed.Selector));
        }
    }
}
