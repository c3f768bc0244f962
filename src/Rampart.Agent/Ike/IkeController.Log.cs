using System.Net;
using Microsoft.Extensions.Logging;
using Rampart.DataPath.Database;
using Rampart.Ike;

namespace Rampart.Agent.Ike;

/// <summary>The controller's trace lines (the IKE trace, the walkthrough's Oakley.log), with stable event IDs.</summary>
public sealed partial class IkeController
{
    [LoggerMessage(EventId = 500, Level = LogLevel.Debug, Message = "Acquire for {Binding}: negotiating with {Peer}, proxy identities {Selector}")]
    private static partial void LogAcquire(ILogger logger, Binding binding, IPAddress peer, ProxyIdentities selector);

    [LoggerMessage(EventId = 501, Level = LogLevel.Warning, Message = "Cannot negotiate with {Peer}: {Reason}")]
    private static partial void LogAcquireFailed(ILogger logger, IPAddress peer, string reason);

    [LoggerMessage(EventId = 502, Level = LogLevel.Debug, Message = "RECV from {Remote} on {Local}: {Message}")]
    private static partial void LogReceived(ILogger logger, IPEndPoint remote, IPEndPoint local, string message);

    [LoggerMessage(EventId = 503, Level = LogLevel.Debug, Message = "SEND to {Remote} from {Local}: {Message}")]
    private static partial void LogSent(ILogger logger, IPEndPoint remote, IPEndPoint local, string message);

    [LoggerMessage(EventId = 506, Level = LogLevel.Information, Message = "{Peer} did not answer IKE: soft association for {Binding}, traffic flows unsecured")]
    private static partial void LogSoft(ILogger logger, IPAddress peer, Binding binding);

    [LoggerMessage(EventId = 507, Level = LogLevel.Debug, Message = "Rekeying outbound SPI {Spi} with {Peer}")]
    private static partial void LogRekey(ILogger logger, uint spi, IPAddress peer);

    [LoggerMessage(EventId = 508, Level = LogLevel.Debug, Message = "Deleting SA pair (inbound SPI {Spi}) with {Peer}: {Reason} (none = policy change)")]
    private static partial void LogDeleting(ILogger logger, uint spi, IPAddress peer, SaLifetimeEventKind? reason);

    [LoggerMessage(EventId = 509, Level = LogLevel.Information, Message = "Agent restart: all IKE state cleared")]
    private static partial void LogRestart(ILogger logger);

    [LoggerMessage(EventId = 510, Level = LogLevel.Debug, Message = "engine {EngineEvent}: {Message}")]
    private static partial void LogEngine(ILogger logger, int engineEvent, string message);

    [LoggerMessage(EventId = 511, Level = LogLevel.Warning, Message = "{Peer} is dead (no answer to dead peer detection): its SAs are removed, the next packet negotiates afresh")]
    private static partial void LogPeerDead(ILogger logger, IPAddress peer);

    [LoggerMessage(EventId = 512, Level = LogLevel.Information, Message = "{Peer} silent since {Heard:O} while we send to it: dead peer detection")]
    private static partial void LogProbing(ILogger logger, IPAddress peer, DateTimeOffset heard);
}
