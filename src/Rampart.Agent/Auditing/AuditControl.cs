using Microsoft.Extensions.Hosting;
using Rampart.Agent.Control;
using Rampart.Core.Auditing;

namespace Rampart.Agent.Auditing;

/// <summary>Control commands <c>audit.query</c> and <c>audit.settings</c>.</summary>
public sealed class AuditControl(AuditLog auditLog, ControlDispatcher dispatcher) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        dispatcher.Register<AuditQueryArguments>("audit.query", (arguments, _) =>
            ValueTask.FromResult<object?>(auditLog.Query(arguments.Since, arguments.EventId is { } id ? (AuditEventId)id : null, arguments.Limit ?? 1000)));
        dispatcher.Register<AuditSettingsArguments>("audit.settings", (arguments, _) =>
        {
            var current = auditLog.Settings;
            var updated = current with
            {
                AuditSuccess = arguments.Success ?? current.AuditSuccess,
                AuditFailure = arguments.Failure ?? current.AuditFailure,
                MaximumRecords = arguments.MaximumRecords ?? current.MaximumRecords,
            };
            if (updated.MaximumRecords < 1)
            {
                throw new ControlException("the audit trail must keep at least one record");
            }

            if (updated != current)
            {
                auditLog.UpdateSettings(updated);
            }

            return ValueTask.FromResult<object?>(updated);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public sealed class AuditQueryArguments
{
    public DateTimeOffset? Since { get; set; }

    public int? EventId { get; set; }

    public int? Limit { get; set; }
}

public sealed class AuditSettingsArguments
{
    public bool? Success { get; set; }

    public bool? Failure { get; set; }

    public int? MaximumRecords { get; set; }
}
