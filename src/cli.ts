// `npm start`: runs Warden with the example agents. (The HTTP control plane joins it in its own issue.)
await import('../examples/quickstart.ts');
