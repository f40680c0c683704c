"use server";
/**
 * Sign-in and sign-out. The local demo sign-in issues a session JWT with Supabase-shaped
 * claims signed with the local secret; with SUPABASE_URL set, Supabase checks the password.
 */
import { redirect } from "next/navigation";
import {
  authMode,
  clearSessionCookies,
  LOCAL_SESSION_SEC,
  mintLocalToken,
  setSessionCookies,
} from "@/lib/auth/session";
import { signInWithPassword } from "@/lib/auth/supabase";

/** One click: a session for the demo user. */
export async function signInAsDemoUser(): Promise<void> {
  if (authMode() !== "local") redirect("/signin?error=demo-disabled");
  await setSessionCookies(await mintLocalToken(), LOCAL_SESSION_SEC);
  redirect("/portfolio");
}

/** Supabase email and password. */
export async function signInWithSupabase(form: FormData): Promise<void> {
  const email = String(form.get("email") ?? "").trim();
  const password = String(form.get("password") ?? "");
  let target = "/portfolio";
  try {
    const t = await signInWithPassword(email, password);
    await setSessionCookies(t.access_token, t.expires_in, t.refresh_token);
  } catch (err) {
    target = `/signin?error=${encodeURIComponent((err as Error).message)}`;
  }
  redirect(target);
}

/** Clears the session and the conversation cookie. */
export async function signOut(): Promise<void> {
  await clearSessionCookies();
  redirect("/signin");
}
