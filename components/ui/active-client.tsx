"use client";
// Every request a page makes names the Client the page shows (x-dolfin-client-id),
// so a tab left open on one Client can never act on another after a switch elsewhere.
import { createContext, useCallback, useContext } from "react";
import { apiFetch, type ApiFetchInit } from "@/components/api-keys/api";

const ActiveClient = createContext<string | null>(null);

export function ActiveClientProvider({ clientId, children }: { clientId: string; children: React.ReactNode }) {
  return <ActiveClient.Provider value={clientId}>{children}</ActiveClient.Provider>;
}

/** apiFetch bound to the Client this page shows. */
export function useApi() {
  const clientId = useContext(ActiveClient);
  return useCallback(<T,>(path: string, init: ApiFetchInit = {}) => apiFetch<T>(path, { ...init, clientId }), [clientId]);
}
