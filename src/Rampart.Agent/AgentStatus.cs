using Microsoft.Extensions.Hosting;
using Rampart.Agent.Control;
using Rampart.Agent.Policy;

namespace Rampart.Agent;

/// <summary>Answers <c>agent.status</c>, <c>agent.stop</c> and <c>agent.restart</c>.</summary>
public sealed class AgentStatus(
    AgentOptions options,
    ControlDispatcher dispatcher,
    PolicyState policyState,
    AgentLifecycle lifecycle,
    IHostApplicationLifetime lifetime,
    TimeProvider timeProvider) : IHostedService
{
    private readonly DateTimeOffset _started = timeProvider.GetUtcNow();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        dispatcher.Register("agent.status", _ =>
        {
            var applied = policyState.Current;
            return ValueTask.FromResult<object?>(new AgentStatusResult(
                Environment.ProcessId,
                _started,
                options.Home,
                typeof(AgentStatus).Assembly.GetName().Version?.ToString() ?? "0",
                PolicyStatus.Of(applied),
                [.. dispatcher.Commands]));
        });
        dispatcher.Register("agent.stop", _ =>
        {
            lifetime.StopApplication();
            return ValueTask.FromResult<object?>(null);
        });
        dispatcher.Register("agent.restart", _ =>
        {
            lifecycle.Restart();
            return ValueTask.FromResult<object?>(null);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public sealed record AgentStatusResult(int ProcessId, DateTimeOffset Started, string Home, string Version, PolicyStatus Policy, IReadOnlyList<string> Commands);
