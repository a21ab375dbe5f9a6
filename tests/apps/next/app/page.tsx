import { logIn, logOut } from './actions/auth'
import { currentUser } from './session'
import { Settings } from './settings'

export default async function Home() {
  const user = await currentUser()
  return (
    <main>
      <h1>Shop</h1>
      {user ? (
        <>
          <Settings />
          <form action={logOut}>
            <button id="logout">Log out</button>
          </form>
        </>
      ) : (
        <form action={logIn}>
          <input type="hidden" name="user" value="ada" />
          <button id="login">Log in as Ada</button>
        </form>
      )}
    </main>
  )
}
